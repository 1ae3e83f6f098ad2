#include "engine/bundle/runtime/layouts.h"

#include <oneapi/dnnl/dnnl_debug.h>

namespace nw::rt {

using namespace dnnl;
using bundle::Dims;

memory::desc plainDesc(const Dims& dims, DT type) {
    static const Tag tags[] = {Tag::a, Tag::ab, Tag::abc, Tag::abcd, Tag::abcde, Tag::abcdef};
    if (dims.empty() || dims.size() > 6) {
        throw Invalid{"a tensor of rank " + std::to_string(dims.size()) + " is not supported"};
    }
    return {memory::dims(dims.begin(), dims.end()), type, tags[dims.size() - 1]};
}

memory::desc anyDesc(const Dims& dims, DT type) {
    return {memory::dims(dims.begin(), dims.end()), type, Tag::any};
}

memory::desc retyped(const memory::desc& d, DT type) {
    memory::desc r = d;
    r.data.data_type = static_cast<dnnl_data_type_t>(type);
    return r;
}

const std::map<std::string, Tag>& tagsByName() {
    static const std::map<std::string, Tag> tags = [] {
        std::map<std::string, Tag> m;
        for (int t = dnnl_format_tag_undef + 1; t < dnnl_format_tag_last; ++t) {
            if (t != dnnl_format_tag_any) {
                m.emplace(dnnl_fmt_tag2str(static_cast<dnnl_format_tag_t>(t)), Tag(t));
            }
        }
        return m;
    }();
    return tags;
}

primitive_attr scaling(float from, float to) {
    primitive_attr attr;
    float factor = (from > 0 ? from : 1.0f) / (to > 0 ? to : 1.0f);
    if (factor != 1.0f) {
        attr.set_output_scales(0, {factor});
    }
    return attr;
}

DT quantType(bool isUnsigned) {
    return isUnsigned ? DT::u8 : DT::s8;
}

std::string dimsText(const Dims& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(d[i]);
    }
    return s + "]";
}

} // namespace nw::rt
