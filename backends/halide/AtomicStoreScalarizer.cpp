// AtomicStoreScalarizer.cpp: per-lane scalarisation of predicated atomic stores.
#include "backends/halide/AtomicStoreScalarizer.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {
namespace {

using Halide::Expr;
using Halide::Internal::Atomic;
using Halide::Internal::IRMutator;
using Halide::Internal::Load;
using Halide::Internal::Stmt;
using Halide::Internal::Store;

// Drops the predicate of scalar loads that `lane` (the guard of the scalar store) implies;
// records whether any other predicated load remains.
class UnpredicateLoads : public IRMutator {
 public:
  explicit UnpredicateLoads(Expr lane) : lane_(std::move(lane)) {}
  bool kept_other() const { return kept_other_; }

 private:
  using IRMutator::visit;
  Expr visit(const Load* op) override {
    if (Halide::Internal::is_const_one(op->predicate)) return IRMutator::visit(op);
    if (!op->type.is_scalar() || !Halide::Internal::can_prove(!lane_ || op->predicate)) {
      kept_other_ = true;
      return IRMutator::visit(op);
    }
    return Load::make(op->type, op->name, mutate(op->index), op->image, op->param,
                      Halide::Internal::const_true(), op->alignment);
  }

  Expr lane_;
  bool kept_other_ = false;
};

class AtomicStoreScalarizer : public IRMutator {
 private:
  using IRMutator::visit;

  // The code generator emits atomic stores inside an atomic node without a mutex; a mutex node
  // keeps whatever its surroundings do.
  Stmt visit(const Atomic* op) override {
    const bool outer = in_atomic_;
    if (op->mutex_name.empty()) in_atomic_ = true;
    Stmt s = IRMutator::visit(op);
    in_atomic_ = outer;
    return s;
  }

  // Vector lets around a store are substituted into its lanes, so that no lane refers to a
  // vector the per-lane code would have to extract from.
  Stmt visit(const Halide::Internal::LetStmt* op) override {
    if (op->value.type().is_scalar()) return IRMutator::visit(op);
    std::optional<Expr> shadowed;
    if (auto found = vector_lets_.find(op->name); found != vector_lets_.end())
      shadowed = found->second;
    vector_lets_[op->name] = Halide::Internal::substitute(vector_lets_, op->value);
    Stmt body = mutate(op->body);
    if (shadowed) {
      vector_lets_[op->name] = *shadowed;
    } else {
      vector_lets_.erase(op->name);
    }
    return body.same_as(op->body) ? Stmt(op)
                                  : Halide::Internal::LetStmt::make(op->name, op->value, body);
  }

  Stmt visit(const Store* op) override {
    if (!in_atomic_ || Halide::Internal::is_const_one(op->predicate)) return IRMutator::visit(op);
    const Expr predicate = Halide::Internal::substitute(vector_lets_, op->predicate);
    const Expr value = Halide::Internal::substitute(vector_lets_, op->value);
    const Expr index = Halide::Internal::substitute(vector_lets_, op->index);
    const int lanes = op->value.type().lanes();
    std::vector<Stmt> stores;
    for (int i = 0; i < lanes; ++i) {
      auto lane_of = [&](const Expr& e) {
        return Halide::Internal::substitute_in_all_lets(
            lanes == 1 ? e : Halide::Internal::extract_lane(e, i));
      };
      const Expr guard = lane_of(predicate);
      UnpredicateLoads unpredicate(guard);
      const Expr lane_value = unpredicate.mutate(lane_of(value));
      const Expr lane_index = unpredicate.mutate(lane_of(index));
      if (unpredicate.kept_other()) return IRMutator::visit(op);  // not ours to rewrite
      stores.push_back(Halide::Internal::IfThenElse::make(
          guard,
          Store::make(op->name, lane_value, lane_index, op->param, Halide::Internal::const_true(),
                      Halide::Internal::ModulusRemainder())));
    }
    return Halide::Internal::Block::make(stores);
  }

  bool in_atomic_ = false;
  std::map<std::string, Expr> vector_lets_;
};

}  // namespace

Stmt scalarize_predicated_atomic_stores(const Stmt& s) {
  return AtomicStoreScalarizer().mutate(s);
}

void add_atomic_store_scalarizer(Halide::Pipeline& pipeline) {
  auto* pass = new AtomicStoreScalarizer();
  pipeline.add_custom_lowering_pass(pass, [pass] { delete pass; });
}

}  // namespace kiln
