// AllPasses.h: the headers of every pass named in passes/Passes.def, so the registry can refer
// to their functions. A new pass adds its header here and its line in Passes.def.
#pragma once

#include "passes/ChooseLayout.h"
#include "passes/EliminateCommonSubexpressions.h"
#include "passes/EliminateDeadCode.h"
#include "passes/FoldBatchNorm.h"
#include "passes/FoldConstants.h"
#include "passes/FuseGroups.h"
#include "passes/InferShapes.h"
#include "passes/MakeViews.h"
#include "passes/RemoveIdentity.h"
