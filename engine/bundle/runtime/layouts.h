#pragma once
// Stateless oneDNN helpers of the runtime: memory descriptors for bundle shapes, oneDNN's
// format tags by name (for pre-laid-out weights), the scaling of a reorder between
// quantisation scales, and shape text for messages. Internal to libnetwright_rt.

#include "engine/bundle/format.h"

#include <dnnl.hpp>
#include <map>
#include <string>

namespace nw::rt {

// A bundle the runtime cannot run: thrown while preparing, caught by Executor::prepare, which
// returns the message (prefixed with the bundle's name) as a user error.
struct Invalid {
    std::string message;
};

using Tag = dnnl::memory::format_tag;
using DT = dnnl::memory::data_type;

// [dims] row-major (rank 1 to 6, else Invalid).
dnnl::memory::desc plainDesc(const bundle::Dims& dims, DT type = DT::f32);

// [dims] in the layout a primitive chooses (format_tag::any).
dnnl::memory::desc anyDesc(const bundle::Dims& dims, DT type = DT::f32);

// The same layout holding another data type.
dnnl::memory::desc retyped(const dnnl::memory::desc& d, DT type);

// oneDNN's format tags by their names (dnnl_fmt_tag2str), for pre-laid-out weights.
const std::map<std::string, Tag>& tagsByName();

// A reorder's attribute that multiplies by from/to: quantisation scales, 0 standing for f32.
dnnl::primitive_attr scaling(float from, float to);

// The data type of a quantised tensor: u8 when it is never negative, else s8.
DT quantType(bool isUnsigned);

// "[2, 3, 4]", for messages.
std::string dimsText(const bundle::Dims& d);

} // namespace nw::rt
