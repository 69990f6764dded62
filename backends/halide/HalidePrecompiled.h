// HalidePrecompiled.h: the header CMake precompiles for the targets that include Halide.h
// (CMakeLists.txt, kiln_precompile_halide).
#pragma once

#include <Halide.h>
