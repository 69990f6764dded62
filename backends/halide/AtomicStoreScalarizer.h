// AtomicStoreScalarizer.h: a Halide lowering pass that splits each predicated vector store
// inside an atomic node into one guarded scalar store per lane, which Halide 14's code generator
// accepts ("Atomic predicated store is not supported", Halide issue #4298, rejects the vector).
//
// Li2018 parallelises or vectorises small reductions atomically; when a vectorised loop has a
// guarded tail (an output extent or a split reduction not divisible by the vector width), the
// vectoriser predicates the atomic read-modify-write. Per lane, `if (p[i]) buf[idx[i]] = v[i]`
// computes the same thing, and each lane stays an atomic update (an atomic add or Halide's
// compare-and-swap loop), exactly as Halide itself scalarises an unpredicated atomic vector store.
#pragma once

#include <Halide.h>

namespace kiln {

/// `s` with every predicated store inside a mutex-free atomic node scalarised per lane. A store
/// whose loads carry a predicate the store's lane predicate does not imply is left unchanged.
Halide::Internal::Stmt scalarize_predicated_atomic_stores(const Halide::Internal::Stmt& s);

/// Adds scalarize_predicated_atomic_stores to `pipeline` as a custom lowering pass (Halide runs
/// those after vectorisation, before code generation).
void add_atomic_store_scalarizer(Halide::Pipeline& pipeline);

}  // namespace kiln
