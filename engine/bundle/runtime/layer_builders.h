#pragma once
// The builders of the bundle's layer ops, one per op, grouped by family in layers_*.cpp. Each
// checks layer `l` (the Preparer's current layer) against its inputs, adds the steps that
// compute it and its output tensor; errors throw Invalid through Preparer::fail. The table
// that maps op names to them is in executor.cpp. Internal to libnetwright_rt.
//
// Shapes are per sample ([C, H, W] a feature map); the batch is the Preparer's.

#include "engine/bundle/runtime/preparer.h"

namespace nw::rt::layers {

using Builder = void (*)(Preparer& p, const bundle::Layer& l);

// layers_conv_dense.cpp; both run in INT8 when the layer has int8 set.
void conv2d(Preparer& p, const bundle::Layer& l); // [C, H, W] -> [F, H', W']
void dense(Preparer& p, const bundle::Layer& l);  // [features...] (rank 1-4) -> [units]

// layers_pool.cpp; a quantised input stays quantised, at its scale.
void maxPool(Preparer& p, const bundle::Layer& l);       // [C, H, W] -> [C, H', W']
void avgPool(Preparer& p, const bundle::Layer& l);       // [C, H, W] -> [C, H', W']
void globalAvgPool(Preparer& p, const bundle::Layer& l); // [C, H, W] -> [C]
void globalMaxPool(Preparer& p, const bundle::Layer& l); // [C, H, W] -> [C]

// layers_norm.cpp
void batchNorm(Preparer& p, const bundle::Layer& l); // [C] or [C, H, W], same shape
void layerNorm(Preparer& p, const bundle::Layer& l); // any shape, the last k dims normalised
void lrn(Preparer& p, const bundle::Layer& l);       // [C, H, W], same shape

// layers_pad.cpp
void pad(Preparer& p, const bundle::Layer& l); // [C, H, W] -> [C, H', W']

// layers_elementwise.cpp: element-wise and shape ops.
void activation(Preparer& p, const bundle::Layer& l); // same shape
void softmax(Preparer& p, const bundle::Layer& l);    // same shape, along a sample axis
void reshape(Preparer& p, const bundle::Layer& l);    // to the layer's shape, same count
void add(Preparer& p, const bundle::Layer& l);        // n >= 2 inputs of one shape
void mul(Preparer& p, const bundle::Layer& l);        // 2 inputs, one broadcast over the other
void concat(Preparer& p, const bundle::Layer& l);     // n >= 2 inputs joined along an axis

} // namespace nw::rt::layers
