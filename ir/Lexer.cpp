// Lexer.cpp: turns IR text into tokens with line/column positions.
#include "ir/Lexer.h"

#include <cstdio>

namespace kiln {

namespace {
bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_identifier_char(char c) {
  return is_letter(c) || is_digit(c) || c == '_';
}
bool is_bare_name_char(char c) {
  return is_identifier_char(c) || c == '.' || c == ':' || c == '/' || c == '-';
}
int hex_digit_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool is_bare_name(std::string_view name) {
  // A trailing ':' would be read as the separator before a type (`%x: f32[1]`).
  if (name.empty() || name.back() == ':') return false;
  for (char c : name)
    if (!is_bare_name_char(c)) return false;
  return true;
}

bool is_bare_identifier(std::string_view name) {
  if (name.empty() || is_digit(name[0])) return false;
  for (char c : name)
    if (!is_identifier_char(c)) return false;
  return true;
}

std::string quote_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;  // other bytes, UTF-8 included, pass through unchanged
    }
  }
  return out + "\"";
}

void Lexer::advance() {
  if (pos_ >= text_.size()) return;
  if (text_[pos_] == '\n') {
    ++line_;
    column_ = 1;
  } else {
    ++column_;
  }
  ++pos_;
}

void Lexer::skip_space_and_comments() {
  while (pos_ < text_.size()) {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      advance();
    } else if (c == '#' || (c == '/' && peek(1) == '/')) {
      while (pos_ < text_.size() && peek() != '\n') advance();
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skip_space_and_comments();
  Token token;
  token.line = line_;
  token.column = column_;
  if (pos_ >= text_.size()) return token;

  char c = peek();
  if (c == '"') return lex_quoted(token);
  if (c == '%') return lex_sigil_name(token, TokenKind::ValueName);
  if (c == '@') return lex_sigil_name(token, TokenKind::AtName);
  if (is_digit(c) || c == '-') return lex_number(token);
  if (is_letter(c) || c == '_') {
    token.kind = TokenKind::Identifier;
    while (is_identifier_char(peek())) {
      token.text += peek();
      advance();
    }
    return token;
  }
  static constexpr std::string_view kPunctuation = "{}()[],:=?*";
  if (kPunctuation.find(c) != std::string_view::npos) {
    token.kind = TokenKind::Punct;
    token.text = std::string(1, c);
    advance();
    return token;
  }
  token.kind = TokenKind::Error;
  unsigned char byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) {
    token.text = std::string("unexpected character '") + c + "'";
  } else {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", byte);
    token.text = std::string("unexpected byte ") + hex;
  }
  advance();
  return token;
}

Token Lexer::lex_quoted(Token token) {
  advance();  // opening quote
  token.kind = TokenKind::String;
  while (true) {
    if (pos_ >= text_.size() || peek() == '\n') {
      token.kind = TokenKind::Error;
      token.text = "unterminated string";
      return token;
    }
    char c = peek();
    advance();
    if (c == '"') return token;
    if (c != '\\') {
      token.text += c;
      continue;
    }
    char escape = peek();
    advance();
    switch (escape) {
      case '"':
        token.text += '"';
        break;
      case '\\':
        token.text += '\\';
        break;
      case 'n':
        token.text += '\n';
        break;
      case 't':
        token.text += '\t';
        break;
      case 'x': {
        int high = hex_digit_value(peek()), low = hex_digit_value(peek(1));
        if (high < 0 || low < 0) {
          token.kind = TokenKind::Error;
          token.text = "\\x escape needs two hex digits";
          return token;
        }
        advance();
        advance();
        token.text += static_cast<char>(high * 16 + low);
        break;
      }
      default:
        token.kind = TokenKind::Error;
        token.text = "unknown escape sequence in string";
        return token;
    }
  }
}

Token Lexer::lex_sigil_name(Token token, TokenKind kind) {
  char sigil = peek();
  advance();
  if (peek() == '"') {
    Token quoted = lex_quoted(token);
    if (quoted.kind == TokenKind::Error) return quoted;
    token.kind = kind;
    token.text = std::move(quoted.text);
    return token;
  }
  token.kind = kind;
  // ':' belongs to the name only when more name follows ("input:0"); else it starts a type.
  while (is_bare_name_char(peek()) && !(peek() == ':' && !is_bare_name_char(peek(1)))) {
    token.text += peek();
    advance();
  }
  if (token.text.empty()) {
    token.kind = TokenKind::Error;
    token.text = std::string("expected a name after '") + sigil + "'";
  }
  return token;
}

Token Lexer::lex_number(Token token) {
  token.kind = TokenKind::Integer;
  if (peek() == '-') {
    token.text += '-';
    advance();
    if (is_letter(peek())) {  // -inf, -nan
      std::string word;
      while (is_identifier_char(peek())) {
        word += peek();
        advance();
      }
      if (word != "inf" && word != "nan") {
        token.kind = TokenKind::Error;
        token.text = "malformed number '-" + word + "'";
        return token;
      }
      token.kind = TokenKind::Float;
      token.text += word;
      return token;
    }
  }
  auto take_digits = [&] {
    bool any = false;
    while (is_digit(peek())) {
      token.text += peek();
      advance();
      any = true;
    }
    return any;
  };
  bool ok = take_digits();
  if (ok && peek() == '.') {
    token.kind = TokenKind::Float;
    token.text += '.';
    advance();
    take_digits();
  }
  if (ok && (peek() == 'e' || peek() == 'E')) {
    token.kind = TokenKind::Float;
    token.text += peek();
    advance();
    if (peek() == '+' || peek() == '-') {
      token.text += peek();
      advance();
    }
    ok = take_digits();
  }
  if (!ok || is_bare_name_char(peek())) {
    while (is_bare_name_char(peek())) {
      token.text += peek();
      advance();
    }
    token.kind = TokenKind::Error;
    token.text = "malformed number '" + token.text + "'";
  }
  return token;
}

}  // namespace kiln
