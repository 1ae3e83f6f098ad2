// The example plugin's entry point: Netwright dlopen()s the library, looks up nw_plugin_entry
// and calls it once. Everything else in the library is hidden (-fvisibility=hidden).
#include "examples.h"

// The description lives in static storage for the library's life (built on the first call,
// so nothing runs when the library is loaded). It is returned whatever `hostSdkVersion` says:
// Netwright compares the versions itself and reports a mismatch naming both.
extern "C" NW_PLUGIN_EXPORT const nw_plugin*
nw_plugin_entry(uint32_t hostSdkVersion) { // NOLINT(readability-identifier-naming): the ABI's
    (void)hostSdkVersion;
    static const nw_op_decl ops[] = {nw_examples::learnedSwishDecl(),
                                     nw_examples::squeezeExciteDecl()};
    static const nw_plugin plugin = {
        sizeof(nw_plugin),
        NW_PLUGIN_SDK_VERSION,
        "netwright-examples",
        "1.0.0",
        "Example ops: LearnedSwish (a Swish with a learned slope) and SqueezeExcite "
        "(squeeze-and-excitation channel gating).",
        ops,
        sizeof(ops) / sizeof(ops[0]),
    };
    return &plugin;
}
