// FuseGroups.cpp: greedy, graph-order partition of nodes into fusion groups (see FuseGroups.h).
#include "passes/FuseGroups.h"

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/FusionPattern.h"
#include "ir/OpSchema.h"

namespace kiln {
namespace {

const char* const kFusionAttributes[] = {"fusion_group", "fusion_role", "fusion_pattern",
                                         "fusion_not_fused"};

bool is_pool(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool";
}

bool same_type(const Value* a, const Value* b) {
  return a && b && a->type.is_known() && a->type == b->type;
}

class Fuser {
 public:
  explicit Fuser(Graph& graph) : graph_(graph) {
    for (const Value* output : graph.outputs) graph_outputs_.insert(output);
    // Computed once: Graph::users scans every node, and the fuser asks for each node's users,
    // which made a 50,000-node chain take a minute. Fusion changes attributes, never edges.
    for (const auto& node : graph.nodes()) {
      std::set<const Value*> seen;  // a node reading a value twice is one user, as in users()
      for (const Value* input : node->inputs)
        if (input && seen.insert(input).second) users_[input].push_back(node.get());
    }
  }

  void run() {
    for (const auto& owned : graph_.nodes()) {
      Node* node = owned.get();
      if (grouped_.count(node)) continue;
      // Integer nodes are shape arithmetic, evaluated at compile time rather than by kernels.
      const Value* out = node->output(0);
      if (!out || !is_floating(out->type.dtype)) continue;
      if (is_convolution_op(node->op)) {
        grow_anchor(node, FusionPattern::ConvEpilogue, /*allow_pool=*/true);
      } else if (node->op == "Gemm" || node->op == "MatMul") {
        grow_anchor(node, FusionPattern::GemmEpilogue, /*allow_pool=*/false);
      } else if (node->op == "GlobalAveragePool") {
        grow_head(node);
      } else if (is_fusable_pointwise(node->op)) {
        grow_chain(node);
      }
    }
    for (const auto& [node, reason] : reasons_)
      if (!grouped_.count(node)) node->attrs.set("fusion_not_fused", reason);
  }

 private:
  // The one node reading `value`, or null (with a reason) when it is read by several nodes or is
  // a graph output, which would force it to memory anyway.
  Node* sole_user(const Value* value, std::string* why) {
    if (!value) return nullptr;
    const std::vector<Node*>& users = users_of(value);
    if (graph_outputs_.count(value)) {
      *why = "'" + value->name + "' is a graph output";
      return nullptr;
    }
    if (users.size() != 1) {
      *why = "'" + value->name + "' is read by " + std::to_string(users.size()) + " nodes";
      return nullptr;
    }
    return users[0];
  }

  void note_blocked(const Value* value, const std::string& why) {
    for (Node* user : users_of(value))
      if (!grouped_.count(user) && (is_fusable_pointwise(user->op) || is_pool(user->op)))
        reasons_[user] = why;
  }

  // SiLU written as x * Sigmoid(x): `value` read by exactly a Sigmoid and the Mul of both.
  bool take_silu(const Value* value, std::vector<std::pair<Node*, std::string>>& members) {
    const std::vector<Node*>& users = users_of(value);
    if (users.size() != 2 || graph_outputs_.count(value)) return false;
    Node* sigmoid = users[0]->op == "Sigmoid" ? users[0] : users[1];
    Node* mul = sigmoid == users[0] ? users[1] : users[0];
    if (sigmoid->op != "Sigmoid" || mul->op != "Mul") return false;
    std::string why;
    if (sole_user(sigmoid->output(0), &why) != mul) return false;
    if (grouped_.count(sigmoid) || grouped_.count(mul)) return false;
    members.emplace_back(sigmoid, "epilogue");
    members.emplace_back(mul, "epilogue");
    return true;
  }

  // A type round trip after `value`: Elementwise ops, each the only reader of the one before
  // and with constant per-channel parameters only, that leave the anchor's type and come back
  // to it (QuantizeLinear then DequantizeLinear, a QDQ model's fake quantization; a Cast to f16
  // and back). Inlined into the stage like an activation, the excursion is never stored.
  bool take_round_trip(const Value* value, const Value* anchor_out,
                       std::vector<std::pair<Node*, std::string>>& members) {
    constexpr int kMaxSteps = 3;
    std::vector<Node*> run;
    const Value* current = value;
    for (int step = 0; step < kMaxSteps; ++step) {
      std::string why;
      Node* next = sole_user(current, &why);
      if (!next || grouped_.count(next) || op_pattern(next->op) != OpPattern::Elementwise ||
          next->outputs.size() != 1 || next->input(0) != current)
        return false;
      for (size_t i = 1; i < next->inputs.size(); ++i)
        if (next->inputs[i] && !next->inputs[i]->is_constant()) return false;
      run.push_back(next);
      current = next->output(0);
      if (!current || !current->type.shape || current->type.shape != anchor_out->type.shape)
        return false;
      if (same_type(current, anchor_out)) {
        if (run.size() < 2) return false;  // no excursion: an activation's case, not this one
        for (Node* node : run) members.emplace_back(node, "epilogue");
        return true;
      }
    }
    return false;
  }

  // Follows pointwise consumers of `current` of the anchor's type (and type round trips), then
  // an optional pool.
  void grow_epilogue(const Value* anchor_out, std::vector<std::pair<Node*, std::string>>& members,
                     bool allow_pool, bool* pooled) {
    const Value* current = members.back().first->output(0);
    bool residual_taken = false;
    while (true) {
      if (take_silu(current, members) || take_round_trip(current, anchor_out, members)) {
        current = members.back().first->output(0);
        continue;
      }
      std::string why;
      Node* next = sole_user(current, &why);
      if (!next) {
        note_blocked(current, "not fused into '" + members.front().first->name + "': " + why);
        return;
      }
      if (grouped_.count(next)) return;
      if (is_activation_op(next->op) || is_binary_broadcast_op(next->op)) {
        if (!same_type(next->output(0), anchor_out)) {
          reasons_[next] = "its output shape differs from the anchor's (a broadcast)";
          return;
        }
        if (is_binary_broadcast_op(next->op)) {
          if (residual_taken && next->op == "Add") {
            reasons_[next] = "a group takes one residual Add";
            return;
          }
          residual_taken = residual_taken || next->op == "Add";
        }
        members.emplace_back(next, "epilogue");
        current = next->output(0);
        continue;
      }
      if (is_pool(next->op)) {
        const bool two_d = current->type.shape && current->type.shape->size() == 4;
        if (allow_pool && two_d) {
          members.emplace_back(next, "pool");
          *pooled = true;
        } else {
          reasons_[next] = allow_pool ? "only 2-D pools are computed from conv tiles"
                                      : "pools fuse only after a Conv";
        }
      }
      return;
    }
  }

  void grow_anchor(Node* anchor, FusionPattern pattern, bool allow_pool) {
    std::vector<std::pair<Node*, std::string>> members = {{anchor, "anchor"}};
    bool pooled = false;
    grow_epilogue(anchor->output(0), members, allow_pool, &pooled);
    if (members.size() < 2) return;
    commit(members, pooled ? FusionPattern::ConvPool : pattern);
  }

  // GlobalAveragePool -> Flatten/Reshape -> Gemm (input A) -> epilogue.
  void grow_head(Node* pool) {
    std::string why;
    Node* view = sole_user(pool->output(0), &why);
    if (!view || (view->op != "Flatten" && view->op != "Reshape")) return;
    Node* gemm = sole_user(view->output(0), &why);
    if (!gemm || gemm->op != "Gemm" || gemm->input(0) != view->output(0)) {
      if (!why.empty()) reasons_[view] = "head not fused: " + why;
      return;
    }
    std::vector<std::pair<Node*, std::string>> members = {
        {pool, "anchor"}, {view, "view"}, {gemm, "member"}};
    bool pooled = false;
    grow_epilogue(gemm->output(0), members, false, &pooled);
    commit(members, FusionPattern::Head);
  }

  void grow_chain(Node* first) {
    std::vector<std::pair<Node*, std::string>> members = {{first, "anchor"}};
    const Value* current = first->output(0);
    while (true) {
      std::string why;
      Node* next = sole_user(current, &why);
      if (!next || grouped_.count(next) || !is_fusable_pointwise(next->op)) break;
      if (!same_type(next->output(0), current) && !same_type(next->output(0), first->output(0)))
        break;
      members.emplace_back(next, "member");
      current = next->output(0);
    }
    if (members.size() < 2) {
      if (!reasons_.count(first)) reasons_[first] = "no fusable producer or consumer";
      return;
    }
    commit(members, FusionPattern::Elementwise);
  }

  void commit(const std::vector<std::pair<Node*, std::string>>& members, FusionPattern pattern) {
    const int64_t id = next_group_++;
    for (const auto& [node, role] : members) {
      node->attrs.set("fusion_group", id);
      node->attrs.set("fusion_role", role);
      grouped_.insert(node);
    }
    members.back().first->attrs.set("fusion_pattern", std::string(fusion_pattern_name(pattern)));
  }

  const std::vector<Node*>& users_of(const Value* value) const {
    static const std::vector<Node*> kNone;
    auto it = users_.find(value);
    return it == users_.end() ? kNone : it->second;
  }

  Graph& graph_;
  std::unordered_map<const Value*, std::vector<Node*>> users_;
  std::set<const Value*> graph_outputs_;
  std::set<const Node*> grouped_;
  std::map<Node*, std::string> reasons_;
  int64_t next_group_ = 0;
};

}  // namespace

bool is_fusable_pointwise(const std::string& op) {
  return is_activation_op(op) || is_binary_broadcast_op(op);
}

void clear_fusion(Graph& graph) {
  for (const auto& node : graph.nodes())
    for (const char* name : kFusionAttributes) node->attrs.erase(name);
}

Status fuse_groups(Graph& graph) {
  clear_fusion(graph);
  Fuser(graph).run();
  return Status::ok();
}

}  // namespace kiln
