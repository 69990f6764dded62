// Lexer.h: tokens and character classes of Kiln IR text, shared by the printer (which must know
// which names can be printed bare) and the parser (which reads them back).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kiln {

/// True when a value, node or graph name can be printed without quotes: [A-Za-z0-9_.:/-]+ not
/// ending in ':'.
bool is_bare_name(std::string_view name);
/// True when a symbolic dimension, attribute or op name can be printed without quotes:
/// [A-Za-z_][A-Za-z0-9_]*.
bool is_bare_identifier(std::string_view name);
/// Double-quotes `text`, escaping `"`, `\`, newline, tab and other control bytes (as \xHH).
std::string quote_string(std::string_view text);

/// Kinds of token in IR text.
enum class TokenKind {
  End,         ///< end of input
  Error,       ///< a malformed token; `text` holds the message
  Identifier,  ///< [A-Za-z_][A-Za-z0-9_]*: keywords, dtypes, op names, symbols, `_`, inf, nan
  String,      ///< a quoted string; `text` holds the unescaped contents
  ValueName,   ///< %name; `text` holds the name without '%'
  AtName,      ///< @name; `text` holds the name without '@'
  Integer,     ///< -?[0-9]+
  Float,       ///< a number with '.', an exponent, or -inf / -nan
  Punct,       ///< one of { } ( ) [ ] , : = ? *; `text` holds the character
};

/// One token with its 1-based source position.
struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  int line = 1;
  int column = 1;

  bool is_punct(char c) const {
    return kind == TokenKind::Punct && text.size() == 1 && text[0] == c;
  }
  bool is_identifier(std::string_view word) const {
    return kind == TokenKind::Identifier && text == word;
  }
};

/// Splits IR text into tokens. Whitespace and comments (`//` or `#` to end of line) are skipped.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  /// Returns the next token; End forever once the input is exhausted.
  Token next();

 private:
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance();
  void skip_space_and_comments();
  Token lex_quoted(Token token);
  Token lex_sigil_name(Token token, TokenKind kind);
  Token lex_number(Token token);

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace kiln
