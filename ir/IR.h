// IR.h: Kiln's intermediate representation, all node and value types in one header.
//
// Semantics. A Graph is a list of Nodes in topological order over Values (SSA: every Value is
// defined exactly once, by a graph input, a constant, or one output of one Node). A Node is an op
// type (a name found in ir/Ops.def) plus typed attributes, ordered inputs and ordered outputs.
// An omitted optional input is a null Value pointer. A Value has a dtype and a shape; each
// dimension is static (an integer), symbolic (a name such as `batch`, shared by every dimension
// with that name) or unknown (before shape inference). Constants (weights) hold a TensorData that
// shares its bytes (an mmap of the model file, or a shared heap buffer) instead of copying them.
//
// Op semantics follow the newest ONNX opset; frontends normalise older forms (see ir/Ops.def for
// the attributes each op carries).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kiln {

/// Element types. Names in IR text: f32 f64 f16 i8 i16 i32 i64 u8 u16 u32 u64 bool (and `?` for
/// unknown). New dtypes go at the end: the runtime ABI's dtype codes follow this order.
enum class DType {
  Unknown,
  Float32,
  Float64,
  Float16,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  Bool,
  UInt16,
  UInt32,
  UInt64,
};

/// Size of one element in bytes (0 for Unknown).
size_t dtype_size(DType dtype);
/// IR-text name of a dtype ("f32", ...).
const char* dtype_name(DType dtype);
/// Parses an IR-text dtype name; nullopt when unknown.
std::optional<DType> parse_dtype_name(const std::string& name);
/// True for Float32, Float64 and Float16.
bool is_floating(DType dtype);
/// True for UInt8, UInt16, UInt32 and UInt64.
bool is_unsigned(DType dtype);

/// One dimension of a shape: static (value >= 0), symbolic (symbol non-empty) or unknown.
struct Dim {
  int64_t value = -1;  ///< the size when static, else -1
  std::string symbol;  ///< the name when symbolic, else empty

  static Dim known(int64_t v) { return Dim{v, {}}; }
  static Dim symbolic(std::string name) { return Dim{-1, std::move(name)}; }
  static Dim unknown() { return Dim{}; }

  bool is_static() const { return value >= 0; }
  bool is_symbolic() const { return value < 0 && !symbol.empty(); }
  bool is_unknown() const { return value < 0 && symbol.empty(); }
  bool operator==(const Dim& o) const { return value == o.value && symbol == o.symbol; }
  bool operator!=(const Dim& o) const { return !(*this == o); }
  /// "224", "batch" or "?".
  std::string to_string() const;
};

/// A shape with a known rank. Use std::optional<Shape> where the rank may be unknown.
using Shape = std::vector<Dim>;

/// Builds a static shape from integers.
Shape static_shape(const std::vector<int64_t>& dims);
/// True when every dimension is static.
bool is_static(const Shape& shape);
/// Product of the dims; nullopt unless all are static.
std::optional<int64_t> static_element_count(const Shape& shape);
/// "[1,3,224,224]" / "[batch,1000]".
std::string shape_to_string(const Shape& shape);
/// The text of static dims, as shape_to_string writes it: "[1,3,224,224]".
std::string dims_to_string(const std::vector<int64_t>& dims);

/// The type of a Value: dtype plus shape (nullopt shape = rank unknown).
struct TensorType {
  DType dtype = DType::Unknown;
  std::optional<Shape> shape;

  bool is_known() const { return dtype != DType::Unknown && shape.has_value(); }
  bool operator==(const TensorType& o) const { return dtype == o.dtype && shape == o.shape; }
  /// IR-text form, e.g. "f32[batch,3,224,224]", "f32[*]" (unknown rank), "?[*]".
  std::string to_string() const;
};

/// Immutable bytes shared between owners without copying: a slice of an mmapped file or a heap
/// buffer. Copying a TensorData copies a reference, never the bytes.
class TensorData {
 public:
  TensorData() = default;
  /// Wraps `size` bytes at `data` kept alive by `owner` (for example an mmap handle).
  TensorData(std::shared_ptr<const void> owner, const uint8_t* data, size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}
  /// Takes ownership of a heap buffer.
  static TensorData from_vector(std::vector<uint8_t> bytes);
  /// Copies `size` bytes into a new heap buffer.
  static TensorData copy_of(const void* data, size_t size);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  template <typename T>
  const T* as() const { return reinterpret_cast<const T*>(data_); }

 private:
  std::shared_ptr<const void> owner_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

/// A constant tensor: a static type plus its little-endian, row-major bytes.
struct Tensor {
  DType dtype = DType::Unknown;
  std::vector<int64_t> dims;
  TensorData data;

  int64_t element_count() const;
  /// Element i converted to double / int64 (any dtype; a u64 above INT64_MAX keeps its bits,
  /// so integer arithmetic on it wraps as it would in 64 bits).
  double element_as_double(int64_t i) const;
  int64_t element_as_int(int64_t i) const;
};

/// Builds a constant tensor from host values (copies them).
Tensor make_float_tensor(const std::vector<int64_t>& dims, const std::vector<float>& values);
Tensor make_int64_tensor(const std::vector<int64_t>& dims, const std::vector<int64_t>& values);

/// Attribute values. Lists are homogenous. Empty lists are stored as an empty int list.
using AttributeValue = std::variant<int64_t, double, std::string, std::vector<int64_t>,
                                    std::vector<double>, std::vector<std::string>>;

/// Attributes of a node, sorted by name so printing is deterministic.
class Attributes {
 public:
  void set(const std::string& name, AttributeValue value) { values_[name] = std::move(value); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  void erase(const std::string& name) { values_.erase(name); }
  const std::map<std::string, AttributeValue>& all() const { return values_; }

  /// Typed getters returning `fallback` when the attribute is absent. An int attribute is
  /// accepted where a float is asked for, and an empty int list where a float list is.
  int64_t get_int(const std::string& name, int64_t fallback) const;
  double get_float(const std::string& name, double fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name,
                                const std::vector<int64_t>& fallback = {}) const;
  std::vector<double> get_floats(const std::string& name,
                                 const std::vector<double>& fallback = {}) const;

  bool operator==(const Attributes& o) const { return values_ == o.values_; }

 private:
  std::map<std::string, AttributeValue> values_;
};

class Node;

/// An SSA value: the output of a node, a graph input, or a constant.
struct Value {
  std::string name;
  TensorType type;
  Node* producer = nullptr;            ///< defining node; null for graph inputs and constants
  std::optional<Tensor> constant;      ///< set for constants (weights, folded values)
  /// For small integer tensors whose elements are known dimensions (shape arithmetic such as
  /// Shape -> Gather -> Concat), the element values, possibly symbolic. Set by shape inference.
  std::optional<std::vector<Dim>> known_dims;

  bool is_constant() const { return constant.has_value(); }
};

/// An operation: op type, attributes, inputs and outputs.
class Node {
 public:
  std::string name;            ///< unique, stable name (from the model, or generated)
  std::string op;              ///< op type, one of ir/Ops.def
  Attributes attrs;
  std::vector<Value*> inputs;  ///< null entries are omitted optional inputs
  std::vector<Value*> outputs;

  /// Input i, or null when i is out of range or omitted.
  Value* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  Value* output(size_t i) const { return i < outputs.size() ? outputs[i] : nullptr; }
};

/// A model graph. Owns its nodes and values; nodes are kept in topological order.
class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  std::string name;
  std::vector<Value*> inputs;
  std::vector<Value*> outputs;

  /// Creates a new value; the name must be unique (returns the existing one otherwise is an error
  /// caught by the verifier, so callers use unique_value_name when unsure).
  Value* add_value(const std::string& name, TensorType type = {});
  /// Creates a constant value holding `tensor`; its type is derived from the tensor.
  Value* add_constant(const std::string& name, Tensor tensor);
  /// Appends a node. Sets the producer of every output.
  Node* add_node(const std::string& name, const std::string& op, std::vector<Value*> inputs,
                 std::vector<Value*> outputs, Attributes attrs = {});
  /// Inserts a node at position `index` in the node order.
  Node* insert_node(size_t index, const std::string& name, const std::string& op,
                    std::vector<Value*> inputs, std::vector<Value*> outputs,
                    Attributes attrs = {});
  /// Removes a node (its outputs stay, with a null producer, until removed by dead-code passes).
  void remove_node(Node* node);
  /// Removes a value nobody uses any more.
  void remove_value(Value* value);

  /// Looks a value up by name; null when absent.
  Value* find_value(const std::string& name) const;
  Node* find_node(const std::string& name) const;
  /// Returns `base` if unused, else `base_1`, `base_2`, ...
  std::string unique_value_name(const std::string& base) const;
  std::string unique_node_name(const std::string& base) const;

  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  std::vector<std::unique_ptr<Node>>& mutable_nodes() { return nodes_; }
  /// All values in creation order (deterministic).
  const std::vector<std::unique_ptr<Value>>& values() const { return values_; }
  /// Constants in creation order.
  std::vector<Value*> constants() const;
  /// Nodes that read `value`.
  std::vector<Node*> users(const Value* value) const;
  /// Replaces every use of `from` (node inputs and graph outputs) with `to`.
  void replace_all_uses(Value* from, Value* to);

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  std::map<std::string, Value*> value_index_;
};

}  // namespace kiln
