// Pipeline.h: the default pass order, used when no --passes list is given.
#pragma once

#include <string>
#include <vector>

namespace kiln {

/// The passes `kiln inspect|compile` run by default, in order.
const std::vector<std::string>& default_pipeline();

}  // namespace kiln
