#pragma once
// netwright-cli's inference-bundle side: infer, bench-infer (export is app/export/).

#include "app/cli/commands.h"

namespace nw::cli {} // namespace nw::cli
