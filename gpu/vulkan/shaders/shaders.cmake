# The SPIR-V modules: one per kernel family (<family>.comp), more where a variant needs
# different code rather than a specialization constant.
nw_vulkan_shader(elementwise elementwise.comp)
nw_vulkan_shader(activation activation.comp)
nw_vulkan_shader(optimizer optimizer.comp)
nw_vulkan_shader(reduce reduce.comp)
nw_vulkan_shader(metrics metrics.comp)
