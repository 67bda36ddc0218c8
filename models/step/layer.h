// One transformer layer for one micro-batch on one GPU, kernel by kernel: the linear layers' GEMMs,
// the attention core (models/step/attention.h), and the memory-bound operators between them (norms,
// activation, bias-dropout-residual adds, and under FP8 the casts, transposes and amax reductions that
// Transformer Engine adds around every FP8 GEMM). The tensor- and context-parallel traffic of the layer
// is here too; the pipeline and data-parallel traffic belong to the iteration (models/step/iteration.h).
#pragma once

#include "models/scenario.h"
#include "models/step/attention.h"

namespace trainsite::models {

// Time by kernel class, seconds.
struct KernelTimes {
  double gemm = 0;       // linear layers (FP8 where the run is FP8)
  double attention = 0;  // attention core (fused kernel, or unfused GEMMs + softmax)
  double memory = 0;     // memory-bound operators, each with its launch overhead
  double total() const { return gemm + attention + memory; }
  KernelTimes& operator+=(const KernelTimes& o) {
    gemm += o.gemm;
    attention += o.attention;
    memory += o.memory;
    return *this;
  }
  KernelTimes operator*(double k) const { return {gemm * k, attention * k, memory * k}; }
  KernelTimes operator+(const KernelTimes& o) const {
    return {gemm + o.gemm, attention + o.attention, memory + o.memory};
  }
};

struct LayerCost {
  KernelTimes fwd, bwd;  // bwd excludes recomputation
  double bwd_wgrad = 0;  // the weight-gradient GEMMs inside bwd.gemm (zero-bubble schedules defer them)
  // The part of fwd that selective recomputation repeats: the unfused attention core (Korthikanti et
  // al. 2022 §5), and under MLA the up-projections from the cached latents (DeepSeek-V3 §3.3.2).
  KernelTimes selective;
  double tp_fwd = 0;              // tensor-parallel collectives of the forward (the backward has as many)
  double cp_fwd = 0, cp_bwd = 0;  // exposed ring-attention exchange
  double ep_fwd = 0;              // MoE dispatch + combine all-to-alls of the forward
};

// The attention call of one layer for one micro-batch on one GPU (heads split by TP).
AttentionShape attention_shape(const Scenario& sc);

// `moe_layer` picks the MoE variant of the layer (experts instead of the dense MLP).
LayerCost layer_cost(const Scenario& sc, bool moe_layer);

}  // namespace trainsite::models
