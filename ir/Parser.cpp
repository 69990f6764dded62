// Parser.cpp: a recursive-descent reader for the IR text of ir/Printer.h. Every error names
// source:line:col (and the node being read, when there is one); garbage never crashes it because
// every token is checked before use and nothing is allocated from sizes written in the text.
#include "ir/Parser.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "ir/Lexer.h"
#include "ir/NumberText.h"

namespace kiln {

namespace {

bool is_number(const Token& token) {
  return token.kind == TokenKind::Integer || token.kind == TokenKind::Float ||
         token.is_identifier("inf") || token.is_identifier("nan");
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::End:
      return "end of input";
    case TokenKind::String:
      return "string " + quote_string(token.text);
    case TokenKind::ValueName:
      return "%" + token.text;
    case TokenKind::AtName:
      return "@" + token.text;
    default:
      return "'" + token.text + "'";
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string source) : lexer_(text), source_(std::move(source)) {
    current_ = lexer_.next();
    lookahead_ = lexer_.next();
  }

  Result<Graph> parse() {
    KILN_RETURN_IF_ERROR(expect_identifier("graph", "at the start of the IR text"));
    if (current_.kind != TokenKind::AtName) return error_here("expected the graph name (@name)");
    graph_.name = take().text;
    KILN_RETURN_IF_ERROR(expect_punct('{', "after the graph name"));
    while (!current_.is_punct('}')) {
      if (current_.kind == TokenKind::End) return error_here("expected '}' to close the graph");
      node_name_.clear();
      KILN_RETURN_IF_ERROR(parse_item());
    }
    take();
    if (current_.kind != TokenKind::End)
      return error_here("unexpected " + describe(current_) + " after the end of the graph");
    return std::move(graph_);
  }

 private:
  Token take() {
    Token token = std::move(current_);
    current_ = std::move(lookahead_);
    lookahead_ = lexer_.next();
    return token;
  }

  Error error_at(const Token& token, const std::string& message) const {
    std::string where =
        source_ + ":" + std::to_string(token.line) + ":" + std::to_string(token.column);
    return Error{where, node_name_, message};
  }
  Error error_here(const std::string& message) const {
    if (current_.kind == TokenKind::Error) return error_at(current_, current_.text);
    return error_at(current_, message + ", found " + describe(current_));
  }

  Status expect_punct(char c, const std::string& context) {
    if (!current_.is_punct(c)) return error_here(std::string("expected '") + c + "' " + context);
    take();
    return Status::ok();
  }
  Status expect_identifier(const char* word, const std::string& context) {
    if (!current_.is_identifier(word))
      return error_here(std::string("expected '") + word + "' " + context);
    take();
    return Status::ok();
  }

  Status parse_item() {
    bool keyword_line = current_.kind == TokenKind::Identifier &&
                        (lookahead_.kind == TokenKind::ValueName || lookahead_.is_identifier("_"));
    if (keyword_line && current_.text == "input") return parse_input();
    if (keyword_line && current_.text == "const") return parse_constant();
    if (keyword_line && current_.text == "output") return parse_output();
    if (current_.kind == TokenKind::ValueName || current_.is_identifier("_") ||
        lookahead_.kind == TokenKind::AtName)
      return parse_node();
    if (lookahead_.kind == TokenKind::Error) return error_at(lookahead_, lookahead_.text);
    return error_here("expected 'input', 'const', 'output' or a node");
  }

  /// Reads "%name" that must not be defined yet and creates its value.
  Result<Value*> define_value() {
    if (current_.kind != TokenKind::ValueName) return error_here("expected a value name (%name)");
    Token name = take();
    if (graph_.find_value(name.text))
      return error_at(name, "value %" + name.text + " is already defined");
    KILN_RETURN_IF_ERROR(expect_punct(':', "before the type of %" + name.text));
    Result<TensorType> type = parse_type();
    if (!type) return type.error();
    return graph_.add_value(name.text, std::move(*type));
  }

  /// Reads "%name" (or "_" when `allow_omitted`) naming an already defined value.
  Result<Value*> use_value(bool allow_omitted) {
    if (allow_omitted && current_.is_identifier("_")) {
      take();
      return static_cast<Value*>(nullptr);
    }
    if (current_.kind != TokenKind::ValueName) return error_here("expected a value name (%name)");
    Token name = take();
    Value* value = graph_.find_value(name.text);
    if (!value) return error_at(name, "use of undefined value %" + name.text);
    return value;
  }

  Status parse_input() {
    take();
    Result<Value*> value = define_value();
    if (!value) return value.error();
    graph_.inputs.push_back(*value);
    return Status::ok();
  }

  Status parse_output() {
    take();
    Result<Value*> value = use_value(false);
    if (!value) return value.error();
    graph_.outputs.push_back(*value);
    return Status::ok();
  }

  Result<TensorType> parse_type() {
    TensorType type;
    if (current_.is_punct('?')) {
      take();
    } else if (current_.kind == TokenKind::Identifier && parse_dtype_name(current_.text)) {
      type.dtype = *parse_dtype_name(take().text);
    } else {
      return error_here(
          "expected a dtype (f32, f64, f16, i8, i16, i32, i64, u8, u16, u32, u64, bool or ?)");
    }
    KILN_RETURN_IF_ERROR(expect_punct('[', "to start the shape"));
    if (current_.is_punct('*')) {
      take();
      KILN_RETURN_IF_ERROR(expect_punct(']', "after '*'"));
      return type;
    }
    Shape shape;
    while (!current_.is_punct(']')) {
      if (!shape.empty()) KILN_RETURN_IF_ERROR(expect_punct(',', "between dimensions"));
      if (current_.kind == TokenKind::Integer) {
        Result<int64_t> size = parse_int(current_);
        if (!size) return size.error();
        if (*size < 0) return error_here("a dimension must not be negative");
        take();
        shape.push_back(Dim::known(*size));
      } else if (current_.kind == TokenKind::Identifier || current_.kind == TokenKind::String) {
        if (current_.text.empty()) return error_here("a symbolic dimension needs a name");
        shape.push_back(Dim::symbolic(take().text));
      } else if (current_.is_punct('?')) {
        take();
        shape.push_back(Dim::unknown());
      } else {
        return error_here("expected a dimension (integer, symbol or ?) or ']'");
      }
    }
    take();
    type.shape = std::move(shape);
    return type;
  }

  Result<int64_t> parse_int(const Token& token) const {
    std::optional<int64_t> value = parse_int64(token.text);
    if (!value) return error_at(token, "integer " + token.text + " is out of range");
    return *value;
  }

  Result<double> parse_double(const Token& token) const {
    std::optional<double> value = parse_f64(token.text);
    if (!value) return error_at(token, "number " + token.text + " is out of range");
    return *value;
  }

  Status parse_constant() {
    take();  // 'const'
    Token name_token = current_;
    Result<Value*> value = define_value();
    if (!value) return value.error();
    const TensorType& type = (*value)->type;
    if (type.dtype == DType::Unknown || !type.shape || !is_static(*type.shape))
      return error_at(name_token, "constant %" + name_token.text +
                                      " needs a known dtype and a static shape, not " +
                                      type.to_string());
    Tensor tensor;
    tensor.dtype = type.dtype;
    int64_t expected_count = 1;
    for (const Dim& dim : *type.shape) {
      tensor.dims.push_back(dim.value);
      if (__builtin_mul_overflow(expected_count, dim.value, &expected_count))
        return error_at(name_token, "constant %" + name_token.text + " has too many elements");
    }
    KILN_RETURN_IF_ERROR(expect_punct('=', "before the constant's elements"));
    if (current_.is_identifier("elided"))
      return error_at(current_,
                      "constant %" + name_token.text +
                          " is elided; print without elision to get IR text that can be read back");
    KILN_RETURN_IF_ERROR(expect_punct('[', "to start the constant's elements"));
    std::vector<uint8_t> bytes;
    int64_t count = 0;
    while (!current_.is_punct(']')) {
      if (count) KILN_RETURN_IF_ERROR(expect_punct(',', "between elements"));
      if (!is_number(current_)) return error_here("expected a number");
      std::optional<std::string> problem = append_constant_element(
          type.dtype, current_.text, current_.kind == TokenKind::Integer, bytes);
      if (problem) return error_at(current_, *problem);
      take();
      ++count;
    }
    Token close = take();
    if (count != expected_count)
      return error_at(close, "constant %" + name_token.text + " of type " + type.to_string() +
                                 " needs " + std::to_string(expected_count) + " elements, found " +
                                 std::to_string(count));
    tensor.data = TensorData::from_vector(std::move(bytes));
    (*value)->constant = std::move(tensor);
    return Status::ok();
  }

  Result<AttributeValue> parse_attribute_value() {
    if (current_.kind == TokenKind::String) return AttributeValue(take().text);
    if (current_.kind == TokenKind::Integer) {
      Result<int64_t> value = parse_int(current_);
      if (!value) return value.error();
      take();
      return AttributeValue(*value);
    }
    if (is_number(current_)) {
      Result<double> value = parse_double(current_);
      if (!value) return value.error();
      take();
      return AttributeValue(*value);
    }
    if (!current_.is_punct('['))
      return error_here("expected an attribute value (number, string or list)");
    take();
    std::vector<Token> items;
    while (!current_.is_punct(']')) {
      if (!items.empty()) KILN_RETURN_IF_ERROR(expect_punct(',', "between list items"));
      if (!is_number(current_) && current_.kind != TokenKind::String)
        return error_here("expected a number or a string in the list");
      items.push_back(take());
    }
    take();
    return list_attribute(items);
  }

  /// Lists are homogenous: all strings, all integers, or numbers with at least one float.
  Result<AttributeValue> list_attribute(const std::vector<Token>& items) const {
    size_t strings = 0, floats = 0;
    for (const Token& item : items) {
      strings += item.kind == TokenKind::String;
      floats += item.kind != TokenKind::String && item.kind != TokenKind::Integer;
    }
    if (strings == items.size() && !items.empty()) {
      std::vector<std::string> values;
      for (const Token& item : items) values.push_back(item.text);
      return AttributeValue(std::move(values));
    }
    if (strings) return error_at(items.front(), "a list mixes strings and numbers");
    if (floats == 0) {
      std::vector<int64_t> values;
      for (const Token& item : items) {
        Result<int64_t> value = parse_int(item);
        if (!value) return value.error();
        values.push_back(*value);
      }
      return AttributeValue(std::move(values));
    }
    std::vector<double> values;
    for (const Token& item : items) {
      Result<double> value = parse_double(item);
      if (!value) return value.error();
      values.push_back(*value);
    }
    return AttributeValue(std::move(values));
  }

  Status parse_attributes(Attributes& attrs) {
    take();  // '{'
    bool first = true;
    while (!current_.is_punct('}')) {
      if (!first) KILN_RETURN_IF_ERROR(expect_punct(',', "between attributes"));
      first = false;
      if (current_.kind != TokenKind::Identifier && current_.kind != TokenKind::String)
        return error_here("expected an attribute name");
      Token name = take();
      if (attrs.has(name.text)) return error_at(name, "attribute '" + name.text + "' is repeated");
      KILN_RETURN_IF_ERROR(expect_punct('=', "after the attribute name"));
      Result<AttributeValue> value = parse_attribute_value();
      if (!value) return value.error();
      attrs.set(name.text, std::move(*value));
    }
    take();
    return Status::ok();
  }

  Status parse_node() {
    std::vector<Value*> outputs;
    bool has_outputs = current_.kind == TokenKind::ValueName || current_.is_identifier("_");
    while (has_outputs) {
      if (current_.is_identifier("_")) {
        take();
        outputs.push_back(nullptr);
      } else {
        Result<Value*> output = define_value();
        if (!output) return output.error();
        outputs.push_back(*output);
      }
      if (!current_.is_punct(',')) break;
      take();
    }
    if (has_outputs) KILN_RETURN_IF_ERROR(expect_punct('=', "after the node's outputs"));
    if (current_.kind != TokenKind::Identifier && current_.kind != TokenKind::String)
      return error_here("expected an op name");
    std::string op = take().text;
    if (current_.kind != TokenKind::AtName) return error_here("expected the node name (@name)");
    node_name_ = take().text;
    KILN_RETURN_IF_ERROR(expect_punct('(', "to start the node's inputs"));
    std::vector<Value*> inputs;
    while (!current_.is_punct(')')) {
      if (!inputs.empty()) KILN_RETURN_IF_ERROR(expect_punct(',', "between inputs"));
      Token input_token = current_;
      Result<Value*> input = use_value(true);
      if (!input) return input.error();
      if (*input && std::find(outputs.begin(), outputs.end(), *input) != outputs.end())
        return error_at(input_token, "node reads its own output %" + input_token.text);
      inputs.push_back(*input);
    }
    take();
    Attributes attrs;
    if (current_.is_punct('{')) KILN_RETURN_IF_ERROR(parse_attributes(attrs));
    graph_.add_node(node_name_, op, std::move(inputs), std::move(outputs), std::move(attrs));
    return Status::ok();
  }

  Lexer lexer_;
  std::string source_;
  Token current_, lookahead_;
  Graph graph_;
  std::string node_name_;  ///< the node being read, for error context
};

}  // namespace

Result<Graph> parse_graph(const std::string& text, const std::string& source_name) {
  return Parser(text, source_name).parse();
}

Result<Graph> parse_graph_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{path, "", "cannot open file"};
  std::ostringstream contents;
  contents << file.rdbuf();
  return parse_graph(contents.str(), path);
}

}  // namespace kiln
