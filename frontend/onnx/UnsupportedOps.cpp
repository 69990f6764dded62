// UnsupportedOps.cpp: the all-at-once unsupported-op report.
#include "frontend/onnx/UnsupportedOps.h"

#include <algorithm>

#include "frontend/onnx/NodeConverter.h"

namespace kiln::onnx_import {
namespace {

struct UnsupportedKind {
  std::string domain;
  std::string op_type;
  std::vector<std::string> nodes;
};

}  // namespace

bool is_default_domain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

std::optional<int64_t> imported_opset(const onnx::ModelProto& model, const std::string& domain) {
  for (const onnx::OperatorSetIdProto& entry : model.opset_import()) {
    bool same =
        is_default_domain(domain) ? is_default_domain(entry.domain()) : entry.domain() == domain;
    if (same) return entry.version();
  }
  return std::nullopt;
}

Status check_supported_ops(const onnx::ModelProto& model,
                           const std::vector<std::string>& node_names, const std::string& file) {
  std::vector<UnsupportedKind> kinds;
  size_t node_count = 0;
  const auto& nodes = model.graph().node();
  for (int i = 0; i < nodes.size(); ++i) {
    const onnx::NodeProto& node = nodes.Get(i);
    if (is_default_domain(node.domain()) && find_op_converter(node.op_type())) continue;
    auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const UnsupportedKind& k) {
      return k.domain == node.domain() && k.op_type == node.op_type();
    });
    if (kind == kinds.end())
      kind = kinds.insert(kinds.end(), UnsupportedKind{node.domain(), node.op_type(), {}});
    kind->nodes.push_back(node_names[i]);
    ++node_count;
  }
  if (kinds.empty()) return Status::ok();

  std::string message = "unsupported ops (" + std::to_string(kinds.size()) +
                        (kinds.size() == 1 ? " kind, " : " kinds, ") + std::to_string(node_count) +
                        (node_count == 1 ? " node):" : " nodes):");
  for (const UnsupportedKind& kind : kinds) {
    std::optional<int64_t> opset = imported_opset(model, kind.domain);
    std::string op =
        is_default_domain(kind.domain) ? kind.op_type : kind.domain + "." + kind.op_type;
    message += "\n  " + op + " (domain '" + kind.domain + "', opset " +
               (opset ? std::to_string(*opset) : std::string("not imported")) + "): ";
    for (size_t k = 0; k < kind.nodes.size(); ++k) message += (k ? ", " : "") + kind.nodes[k];
  }
  return Error{file, "", message};
}

}  // namespace kiln::onnx_import
