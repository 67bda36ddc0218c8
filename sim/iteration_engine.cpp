#include "sim/iteration_engine.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <simgrid/s4u.hpp>
#include <stdexcept>

#include "models/step/collectives.h"
#include "models/step/data_parallel.h"
#include "models/step/memory.h"
#include "models/step/moe.h"
#include "models/step/pipeline.h"
#include "models/step/transformer.h"
#include "sim/collectives.h"
#include "sim/schedule.h"

namespace trainsite::sim {

namespace sg4 = simgrid::s4u;
using models::Scenario;

namespace {

constexpr double kAct = 2.0;  // bytes per activation element, as in models/step/iteration.cpp
constexpr double kParam =
    2.0;  // bytes per 16-bit parameter as FSDP gathers it (models/step/data_parallel.cpp)

// Time spent by one stage actor, by kind; the parts sum to its end time.
using Account = RankTime;

// The MoE all-to-alls of one phase (forward, or backward with its recomputation) of one micro-batch
// chunk: `count` dispatch + combine pairs, each GPU sending `fabric_bytes` to the other nodes of its
// expert-parallel group and `nvlink_bytes` to the expert ranks of its own node (models::moe_traffic).
struct EpPhase {
  int count = 0;  // all-to-alls (dispatch and combine each count one)
  double fabric_bytes = 0, nvlink_bytes = 0;
  double fallback_s = 0;  // the analytic time, used when the EP groups do not tile the DP replicas
};

// Per-chunk, per-micro-batch work of one pipeline stage (model stage: DualPipe runs two on one rank).
struct StagePlan {
  double fwd_s = 0, bwd_s = 0, wgrad_s = 0, cp_fwd_s = 0, cp_bwd_s = 0;
  RingCollective tp_fwd, tp_bwd;  // rings filled per group at run time
  EpPhase ep_fwd, ep_bwd;
  // FSDP (ZeRO-2/3): units (transformer layers) per chunk, parameters per unit and of the root unit
  // (embedding / output layer) per chunk, per GPU before sharding.
  int units = 1;
  double unit_params = 0, root_params = 0;
  double params = 0;  // whole stage, per GPU
};

// What one pipeline rank runs: its op order and the gradient buckets of the chunks it holds.
struct RankPlan {
  std::vector<PipeOp> ops;
  std::vector<int> final_op;  // per chunk: index of the op after which its weight gradients are final
  double grad_bytes = 0, param_bytes = 0;  // per GPU, every chunk on the rank
  int buckets_per_chunk = 1;
  std::vector<int> bucket_order;  // bucket ids (chunk·buckets_per_chunk + j) as the backward frees them
};

// A communication stream of one rank: jobs run in order by one actor (as on one CUDA/NCCL stream),
// each releasing its `done` semaphore when finished. Rank s has up to four: the FSDP stream (all-gathers
// and reduce-scatters), and under DualPipe the all-to-all stream and the forward and backward send
// streams, which let communication run beside the rank's computation.
struct Job {
  std::function<void()> run;
  sg4::SemaphorePtr done;  // may be null
  bool stop = false;
};
struct Stream {
  std::deque<Job> jobs;
  sg4::SemaphorePtr pending;
};
enum StreamId { kFsdp = 0, kEp = 1, kSendF = 2, kSendB = 3, kStreams = 4 };

// FSDP gathers of rank s in execution order (one slot per unit that needs its parameters gathered: every
// forward unit, and under FULL_SHARD every backward unit), with the semaphore of a posted gather.
struct GatherSlot {
  bool pass_start = false;  // first unit of a micro-batch's pass over the stage: not prefetched
  double params = 0;        // per GPU, before sharding
  sg4::SemaphorePtr done;
};

struct Ctx {
  Ctx(const Scenario& sc_, const DesOptions& opt_, Platform& plat_, int tp_, int cp_, int pp_, int dp_,
      int ep_, int m_, int v_, int gpn_)
      : sc(sc_),
        opt(opt_),
        plat(plat_),
        tp(tp_),
        cp(cp_),
        pp(pp_),
        dp(dp_),
        ep(ep_),
        m(m_),
        v(v_),
        gpn(gpn_) {}
  const Scenario& sc;
  const DesOptions& opt;
  Platform& plat;
  int tp, cp, pp, dp, ep, m, v, gpn;
  models::Schedule sched = models::Schedule::one_f_one_b;
  bool dualpipe = false;
  int chunks = 1;  // semaphore chunks per stage: v, or DualPipe's two directions
  int zero = 0;
  // Pipelines simulated: replicas run in lock step, so one representative pipeline (replica 0)
  // carries the per-micro-batch traffic and each stage computes at its slowest replica's speed;
  // the DP collectives still span every replica's GPUs.
  int reps = 1;
  double t0 = 0, step_latency = 0, pp_bytes = 0, other_s = 0, emb_bytes = 0;
  bool overlap = false, embedding = false;
  std::vector<StagePlan> stage;         // [model stage]
  std::vector<RankPlan> rank_plan;      // [pipeline rank]
  std::vector<RingCollective> dp_ring;  // [pipeline rank]: the rank's DP rings over every replica
  // The rings FSDP's per-unit collectives run on: dp_ring, or, when the rank's TP/CP ranks each have
  // their own NIC on a rail-optimized fabric with no failed link, only its first ring (the others are
  // copies on disjoint rails: same bytes, same links, same time) and of it only the edges whose links
  // can carry other traffic (see simulate()).
  std::vector<RingCollective> fsdp_ring;
  std::vector<std::vector<GatherSlot>> gathers;                // [s]: FSDP gathers in execution order
  std::vector<size_t> gather_next;                             // [s]: next slot to wait for
  std::vector<std::vector<sg4::SemaphorePtr>> reduce_pending;  // [s]: reduce-scatters not yet waited for
  std::vector<sg4::SemaphorePtr> fwd_in, bwd_in;               // [(d·pp + s)·chunks + c]
  std::vector<std::vector<sg4::SemaphorePtr>> bucket_ready;    // [s][bucket]
  std::vector<sg4::SemaphorePtr> dp_done, gather_ready, gather_done;  // [s]
  std::vector<std::array<Stream, kStreams>> streams;                  // [s][StreamId]
  std::vector<Account> acc;                                           // [s·dp + d]
  std::vector<double> dp_busy;                                        // [s] collective time
  double read_done = 0;
  int stream_actors = 0;
  std::vector<TraceSlice> slices;
  std::vector<std::string> tracks;

  int rank(int t, int c, int d, int s) const { return t + tp * (c + cp * (d + dp * s)); }
  // Model stage run by chunk `c` on pipeline rank `s`.
  int model_stage(int s, int c) const { return dualpipe ? dualpipe_stage(pp, s, c) : s; }
  // SimGrid's clock keeps running across simulations in one process (its engine is a singleton),
  // so the same iteration starts at a different absolute time in a sweep or the GUI. Times are
  // taken relative to the start and snapped to 1 ns, far below any modelled duration, so the
  // rounding noise of a different starting clock does not reach the result.
  double now() const { return std::round((sg4::Engine::get_clock() - t0) * 1e9) / 1e9; }
  void slice(int track, const std::string& name, const char* cat, double start) {
    if (opt.trace && now() > start) slices.push_back({track, name, cat, start, now() - start});
  }
};

// Runs `f` and books the simulated time it took into `bucket` (and a trace slice).
template <class F>
void timed(Ctx& x, int track, double& bucket, const std::string& name, const char* cat, F&& f) {
  const double start = x.now();
  f();
  bucket += x.now() - start;
  x.slice(track, name, cat, start);
}

// Layers of stage `s` by kind, the multi-token-prediction modules (one layer each, DeepSeek-V3 §2.2)
// counted with the last stage as models::stage_work places them.
std::pair<int, int> dense_and_moe(const Scenario& sc, int s) {
  const auto& m = sc.workload.model;
  const int n = models::layers_on_stage(sc, s), first = models::first_layer_of_stage(sc, s);
  const int dense_layers = m.moe ? m.moe->dense_layers : m.layers;
  int dense = std::clamp(dense_layers - first, 0, n), moe = n - dense;
  if (s == sc.parallelism.pp - 1 && m.mtp_depth > 0) (m.moe ? moe : dense) += m.mtp_depth;
  return {dense, moe};
}

StagePlan plan_stage(const Scenario& sc, int s, int v, const models::StageWork& st) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const auto& cal = sc.cluster.cal;
  const models::Shape sh = models::shape_of(w.model);
  StagePlan sp;
  sp.fwd_s = st.fwd_compute_s / v;
  sp.bwd_s = st.bwd_compute_s / v;
  sp.wgrad_s = st.wgrad_s / v;
  // Ring attention exchange: exposed forward part is a third of the stage total (backward sends K, V
  // and returns dK, dV: twice the forward), kept from the analytic model (intra-node NVLink).
  sp.cp_fwd_s = st.cp_comm_s / 3 / v;
  sp.cp_bwd_s = 2 * st.cp_comm_s / 3 / v;
  // The stage's real layers (uneven pipelines: models::stage_layers), dense and MoE.
  const auto [dense_here, moe_here] = dense_and_moe(sc, s);
  const int layers_here = dense_here + moe_here;
  const bool full = w.recompute == models::Recompute::full;
  const double T = double(p.micro_batch) * sh.s / p.cp;
  // Tensor parallel: per layer 2 all-reduces of T·h in forward, 2 in backward, 2 more when the
  // forward is recomputed (the counts behind models::stage_work's tp_comm_s).
  if (p.tp > 1) {
    const double S = T * sh.h * kAct;
    auto ar = [&](int count) {
      RingCollective c;
      c.bytes_per_rank = count * models::ring_allreduce_bytes_per_rank(S, p.tp) / v;
      c.steps = std::max(1, int(std::lround(double(count) * 2 * (p.tp - 1) / v)));
      c.step_latency_s = cal.collective_step_latency_s;
      return c;
    };
    sp.tp_fwd = ar(2 * layers_here);
    sp.tp_bwd = ar(2 * layers_here + (full ? 2 * layers_here : 0));
  }
  // Expert parallel: a dispatch and a combine per MoE layer in forward, the same in backward (and in the
  // recomputed forward), with models::moe_traffic's node-limited fabric and NVLink volumes.
  if (p.ep > 1 && moe_here > 0 && w.model.moe) {
    const models::MoeTraffic disp = models::moe_traffic(sc, true), comb = models::moe_traffic(sc, false);
    auto phase = [&](int layers) {
      EpPhase e;
      e.count = 2 * layers;
      e.fabric_bytes = layers * (disp.fabric_bytes + comb.fabric_bytes) / v;
      e.nvlink_bytes = layers * (disp.nvlink_bytes + comb.nvlink_bytes) / v;
      e.fallback_s = layers * (models::moe_alltoall_s(sc, disp) + models::moe_alltoall_s(sc, comb)) / v;
      return e;
    };
    sp.ep_fwd = phase(moe_here);
    sp.ep_bwd = phase(full ? 2 * moe_here : moe_here);
  }
  sp.params = models::stage_parameters_per_gpu(sc, s);
  // FSDP units (models/step/data_parallel.cpp): one per transformer layer, plus the root unit that
  // holds the embedding (first stage) or the output layer (last stage).
  const int layers = std::max(1, models::layers_on_stage(sc, s));
  const double root = (s == 0 || s == p.pp - 1) ? std::min(sp.params, sh.V * sh.h / p.tp) : 0.0;
  sp.units = std::max(1, int(std::lround(double(layers) / v)));  // per chunk
  sp.unit_params = (sp.params - root) / (double(sp.units) * v);
  sp.root_params = root;  // gathered at the start of each micro-batch's pass, reduced at its end
  return sp;
}

// Pipeline send of one micro-batch chunk: every TP/CP rank sends its slice to its counterpart
// (Megatron's scatter-gather), the sender blocks until delivery, then the receiver is signalled.
void pp_send(Ctx& x, int d, int s_from, int s_to, int chunk_to, bool forward) {
  std::vector<sg4::CommPtr> comms;
  // Ranks whose slices leave through the same NIC pair travel as one flow (same links, same bytes).
  struct Flow {
    std::pair<int, int> key;
    int src, dst;
    double bytes;
  };
  std::vector<Flow> flows;
  for (int c = 0; c < x.cp; ++c)
    for (int t = 0; t < x.tp; ++t) {
      const int a = x.rank(t, c, d, s_from), b = x.rank(t, c, d, s_to);
      const bool local = x.plat.node_of(a) == x.plat.node_of(b);
      const std::pair<int, int> key =
          local ? std::pair{a, b} : std::pair{-1 - x.plat.nic_key(a), -1 - x.plat.nic_key(b)};
      auto it = std::find_if(flows.begin(), flows.end(), [&](const Flow& f) { return f.key == key; });
      if (it == flows.end()) it = flows.insert(flows.end(), Flow{key, a, b, 0.0});
      it->bytes += x.pp_bytes;
    }
  for (const Flow& f : flows) comms.push_back(x.plat.send(f.src, f.dst, f.bytes));
  sg4::Comm::wait_all(comms);
  sg4::this_actor::sleep_for(x.step_latency);
  auto& sem = forward ? x.fwd_in : x.bwd_in;
  sem[(size_t(d) * x.pp + s_to) * x.chunks + chunk_to]->release();
}

// A micro-batch's pass over a stage: its chunks 0..v−1 forward, v−1..0 backward (a DualPipe chunk is a
// whole stage). FSDP waits for the pass's first gathers and its last reduce-scatters.
bool fwd_pass_start(const Ctx& x, int c) {
  return x.dualpipe || c == 0;
}
bool bwd_pass_start(const Ctx& x, int c) {
  return x.dualpipe || c == x.v - 1;
}
bool bwd_pass_end(const Ctx& x, int c) {
  return x.dualpipe || c == 0;
}

// Where the output of an op of chunk `c` on rank `s` goes: (rank, chunk), or rank −1 at the end of the
// pipeline. DualPipe's direction 0 runs ranks 0 → p−1, direction 1 runs p−1 → 0.
std::pair<int, int> next_hop(const Ctx& x, int s, int c, bool forward) {
  if (x.dualpipe) {
    const int step = (c == 0) == forward ? 1 : -1, to = s + step;
    return {to >= 0 && to < x.pp ? to : -1, c};
  }
  if (forward) {
    if (s < x.pp - 1) return {s + 1, c};
    return c < x.v - 1 ? std::pair{0, c + 1} : std::pair{-1, c};
  }
  if (s > 0) return {s - 1, c};
  return c > 0 ? std::pair{x.pp - 1, c - 1} : std::pair{-1, c};
}

// Whether the input of an op comes from this rank itself (the first forward hop, the last stage's
// backward, which follows its own forward).
bool first_hop(const Ctx& x, int s, int c, bool forward) {
  if (x.dualpipe) {
    const int pos = c == 0 ? s : x.pp - 1 - s;
    return forward ? pos == 0 : pos == x.pp - 1;
  }
  return forward ? (s == 0 && c == 0) : (s == x.pp - 1 && c == x.v - 1);
}

void tp_collective(Ctx& x, const RingCollective& proto, int d, int s) {
  if (proto.bytes_per_rank <= 0) return;
  RingCollective c = proto;
  c.rings.clear();
  // All ring edges of a TP group are alike and NVSwitch ports are private: one edge per group.
  for (int k = 0; k < x.cp; ++k) c.rings.push_back({{x.rank(0, k, d, s), x.rank(1, k, d, s), 1.0}});
  run_ring(x.plat, c, x.opt.step_level);
}

// The MoE all-to-alls of one phase as flows from the representative replica's ranks. Expert-parallel
// peers are the same TP/CP rank of the other replicas of the EP group (tp·cp apart in the rank order),
// `local` of them per node. Node-limited routing (DeepSeek-V3 §3.2.2): the fabric part crosses to each
// other node of the group once, to the GPU on the same rail, and fans out there over NVLink; the
// NVLink part goes to the expert ranks of the own node. Peers run in lock step and send alike, so the
// representative's flows load its NIC and NVSwitch port as every rank loads its own.
void ep_alltoall(Ctx& x, const EpPhase& e, int d, int s) {
  if (e.count == 0 || (e.fabric_bytes <= 0 && e.nvlink_bytes <= 0)) return;
  if (x.dp % x.ep != 0) {
    sg4::this_actor::sleep_for(e.fallback_s);
    return;
  }
  const int local = std::max(1, std::min(x.ep, x.gpn / std::max(1, x.tp * x.cp)));
  const int nodes = (x.ep + local - 1) / local;
  const int base = d / x.ep * x.ep, pos = d - base, my_node = pos / local, slot = pos % local;
  const double total = e.fabric_bytes + e.nvlink_bytes;
  std::vector<RingEdge> edges;
  for (int k = 0; k < x.cp; ++k)
    for (int t = 0; t < x.tp; ++t) {
      const int src = x.rank(t, k, d, s);
      if (nodes > 1 && e.fabric_bytes > 0)
        for (int n = 0; n < nodes; ++n) {
          const int peer = base + std::min(n * local + slot, x.ep - 1);
          if (n != my_node)
            edges.push_back({src, x.rank(t, k, peer, s), e.fabric_bytes / total / (nodes - 1)});
        }
      const int here = std::min(local, x.ep - my_node * local);
      if (here > 1 && e.nvlink_bytes > 0)
        for (int j = 0; j < here; ++j)
          if (j != slot)
            edges.push_back(
                {src, x.rank(t, k, base + my_node * local + j, s), e.nvlink_bytes / total / (here - 1)});
    }
  RingCollective c;
  c.rings.push_back(std::move(edges));
  c.bytes_per_rank = total;
  // One step latency per peer node and all-to-all (models::moe_alltoall_s), one per all-to-all inside
  // a node.
  c.steps = e.count * std::max(1, nodes - 1);
  c.step_latency_s = x.sc.cluster.cal.collective_step_latency_s;
  run_ring(x.plat, c, false);
}

// Queues `run` on stream `id` of rank s; returns the semaphore released when it is done.
sg4::SemaphorePtr post(Ctx& x, int s, StreamId id, std::function<void()> run, bool want_done = true) {
  Job j;
  j.run = std::move(run);
  if (want_done) j.done = sg4::Semaphore::create(0);
  Stream& st = x.streams[s][id];
  st.jobs.push_back(j);
  st.pending->release();
  return j.done;
}

void stream_actor(Ctx& x, int s, StreamId id) {
  Stream& st = x.streams[s][id];
  for (;;) {
    st.pending->acquire();
    Job j = std::move(st.jobs.front());
    st.jobs.pop_front();
    if (j.stop) return;
    j.run();
    if (j.done) j.done->release();
  }
}

void stop_stream(Ctx& x, int s, StreamId id) {
  Job j;
  j.stop = true;
  x.streams[s][id].jobs.push_back(j);
  x.streams[s][id].pending->release();
}

// Queues an FSDP all-gather or reduce-scatter of `full_bytes` on rank s's DP rings (every replica).
sg4::SemaphorePtr fsdp_post(Ctx& x, int s, double full_bytes) {
  const double bytes = models::ring_allgather_bytes_per_rank(full_bytes, x.dp);
  return post(x, s, kFsdp, [&x, s, bytes] {
    RingCollective ring = x.fsdp_ring[s];
    ring.steps = x.dp - 1;
    ring.bytes_per_rank = bytes;
    const double start = x.now();
    run_ring(x.plat, ring, x.opt.step_level);
    x.dp_busy[s] += x.now() - start;
    x.slice(x.pp * x.reps + s, "FSDP", "dp", start);
  });
}

// Posts the gather of slot k of rank s (if not posted yet).
void post_gather(Ctx& x, int s, size_t k) {
  GatherSlot& g = x.gathers[s].at(k);
  if (!g.done) g.done = fsdp_post(x, s, g.params * kParam);
}

// Waits for the gather of the rank's next slot, then queues the following slot's gather: prefetch one unit
// ahead in the rank's execution order, across its ops (FSDP's execution-order prefetch), except into the
// first unit of a micro-batch's pass over the stage.
void next_gather(Ctx& x, Account& a, int track, int s) {
  const size_t k = x.gather_next[s]++;
  post_gather(x, s, k);
  auto done = x.gathers[s][k].done;
  timed(x, track, a.dp, "FSDP gather", "dp", [&] { done->acquire(); });
  if (k + 1 < x.gathers[s].size() && !x.gathers[s][k + 1].pass_start) post_gather(x, s, k + 1);
}

// The forward computation of one chunk. Under FSDP (ZeRO-2/3) each unit's parameters are all-gathered
// on the rank's FSDP stream before its forward, the next unit's gather queued while the unit computes;
// the root unit and the first unit of each micro-batch's pass over the stage wait, as
// models/step/data_parallel.cpp describes. `pass_start`: this chunk begins the micro-batch's pass.
void forward_compute(Ctx& x, const StagePlan& sp, Account& a, int track, int s, const std::string& tag,
                     bool pass_start) {
  if (x.zero < 2 || x.dp <= 1) {
    timed(x, track, a.compute, "F" + tag, "compute",
          [&] { sg4::this_actor::execute(sp.fwd_s * Platform::kHostSpeed); });
    return;
  }
  if (pass_start && sp.root_params > 0) {
    auto root = fsdp_post(x, s, sp.root_params * kParam);
    timed(x, track, a.dp, "FSDP gather", "dp", [&] { root->acquire(); });
  }
  for (int u = 0; u < sp.units; ++u) {
    next_gather(x, a, track, s);
    timed(x, track, a.compute, "F" + tag, "compute",
          [&] { sg4::this_actor::execute(sp.fwd_s / sp.units * Platform::kHostSpeed); });
  }
}

// The backward computation of one chunk (`seconds` of it: all of it, or without the deferred W).
// FULL_SHARD gathers each unit again (the first unit of the pass waits, the others are prefetched one
// unit ahead); each unit's gradients are reduce-scattered after its backward on the same stream, and the
// micro-batch's backward pass over the stage (`pass_end`: this chunk ends it) waits for the last
// reduce-scatters (first unit, root). `on_part(j)` runs after the j-th of `parts` equal slices of the
// computation (gradient buckets becoming final).
template <class OnPart>
void backward_compute(Ctx& x, const StagePlan& sp, Account& a, int track, int s, const std::string& tag,
                      double seconds, int parts, bool pass_end, OnPart&& on_part) {
  const double g = models::gradient_bytes(x.sc);
  if (x.zero < 2 || x.dp <= 1) {
    for (int j = 0; j < parts; ++j) {
      timed(x, track, a.compute, "B" + tag, "compute",
            [&] { sg4::this_actor::execute(seconds / parts * Platform::kHostSpeed); });
      on_part(j);
    }
    return;
  }
  auto& reduced = x.reduce_pending[s];
  for (int u = sp.units - 1; u >= 0; --u) {
    if (x.zero >= 3) next_gather(x, a, track, s);
    timed(x, track, a.compute, "B" + tag, "compute",
          [&] { sg4::this_actor::execute(seconds / sp.units * Platform::kHostSpeed); });
    reduced.push_back(fsdp_post(x, s, sp.unit_params * g));
  }
  if (pass_end) {
    if (sp.root_params > 0) reduced.push_back(fsdp_post(x, s, sp.root_params * g));
    timed(x, track, a.dp, "FSDP reduce-scatter", "dp", [&] {
      for (auto& r : reduced) r->acquire();
    });
    reduced.clear();
  }
  for (int j = 0; j < parts; ++j) on_part(j);
}

void send_output(Ctx& x, Account& a, int track, int d, int s, int c, bool forward) {
  const auto [to, chunk_to] = next_hop(x, s, c, forward);
  if (to < 0) return;
  if (x.dualpipe) {  // DualPipe's sends overlap the next chunk's computation (no blocking)
    post(
        x, s, forward ? kSendF : kSendB,
        [&x, d, s, to = to, chunk_to = chunk_to, forward] { pp_send(x, d, s, to, chunk_to, forward); },
        false);
    return;
  }
  timed(x, track, a.pp, forward ? "send F" : "send B", "pp",
        [&] { pp_send(x, d, s, to, chunk_to, forward); });
}

void wait_input(Ctx& x, Account& a, int track, int d, int s, int c, bool forward) {
  if (first_hop(x, s, c, forward)) return;
  auto& sem = forward ? x.fwd_in : x.bwd_in;
  timed(x, track, a.bubble, "wait", "wait", [&] { sem[(size_t(d) * x.pp + s) * x.chunks + c]->acquire(); });
}

void stage_actor(Ctx& x, int s, int d) {
  const RankPlan& rp = x.rank_plan[s];
  Account& a = x.acc[size_t(s) * x.reps + d];
  const int track = s * x.reps + d;
  auto& buckets = x.bucket_ready[s];
  auto tag_of = [&](int mb, int c) {
    std::string tag = std::to_string(mb);
    if (x.chunks > 1) tag.append(".").append(std::to_string(c));
    return tag;
  };
  // Gradient buckets of chunk c become final during the op that completes its last weight gradient.
  auto parts_for = [&](size_t i, int c) {
    return x.overlap && rp.final_op[c] == int(i) ? rp.buckets_per_chunk : 1;
  };
  auto release = [&](size_t i, int c, int j) {
    if (x.overlap && rp.final_op[c] == int(i)) buckets[size_t(c) * rp.buckets_per_chunk + j]->release();
  };
  for (size_t i = 0; i < rp.ops.size(); ++i) {
    const PipeOp& op = rp.ops[i];
    const int c = op.chunk;
    const StagePlan& sp = x.stage[x.model_stage(s, c)];
    const std::string tag = tag_of(op.micro_batch, c);
    switch (op.kind) {
      case OpKind::forward:
        wait_input(x, a, track, d, s, c, true);
        forward_compute(x, sp, a, track, s, tag, fwd_pass_start(x, c));
        timed(x, track, a.tp, "TP", "tp", [&] { tp_collective(x, sp.tp_fwd, d, s); });
        if (sp.cp_fwd_s > 0)
          timed(x, track, a.cp, "CP", "cp", [&] { sg4::this_actor::sleep_for(sp.cp_fwd_s); });
        timed(x, track, a.ep, "EP a2a", "ep", [&] { ep_alltoall(x, sp.ep_fwd, d, s); });
        send_output(x, a, track, d, s, c, true);
        break;
      case OpKind::backward: {
        wait_input(x, a, track, d, s, c, false);
        const double secs = sp.bwd_s - (op.input_only ? sp.wgrad_s : 0.0);
        backward_compute(x, sp, a, track, s, tag, secs, parts_for(i, c), bwd_pass_end(x, c),
                         [&](int j) { release(i, c, j); });
        timed(x, track, a.tp, "TP", "tp", [&] { tp_collective(x, sp.tp_bwd, d, s); });
        if (sp.cp_bwd_s > 0)
          timed(x, track, a.cp, "CP", "cp", [&] { sg4::this_actor::sleep_for(sp.cp_bwd_s); });
        timed(x, track, a.ep, "EP a2a", "ep", [&] { ep_alltoall(x, sp.ep_bwd, d, s); });
        send_output(x, a, track, d, s, c, false);
        break;
      }
      case OpKind::weight: {
        const int parts = parts_for(i, c);
        for (int j = 0; j < parts; ++j) {
          timed(x, track, a.compute, "W" + tag, "compute",
                [&] { sg4::this_actor::execute(sp.wgrad_s / parts * Platform::kHostSpeed); });
          release(i, c, j);
        }
        break;
      }
      case OpKind::fwd_bwd: {
        // DualPipe's pair: the forward chunk of one micro-batch and the backward chunk of another start
        // when both inputs are there; their all-to-alls run beside the two computations (DeepSeek-V3
        // §3.2.1: attention, dispatch, MLP and combine of the two chunks interleaved so that each
        // chunk's communication hides behind the other's computation). Approximation: the all-to-all
        // flows of both chunks start with the pair and only what outlasts the pair's computation is
        // exposed; the fine-grained order of the components is not simulated.
        const int cb = op.chunk2;
        const StagePlan& bp = x.stage[x.model_stage(s, cb)];
        wait_input(x, a, track, d, s, c, true);
        wait_input(x, a, track, d, s, cb, false);
        sg4::SemaphorePtr a2a;
        if (sp.ep_fwd.count > 0 || bp.ep_bwd.count > 0)
          a2a = post(x, s, kEp, [&x, &sp, &bp, d, s] {
            ep_alltoall(x, sp.ep_fwd, d, s);
            ep_alltoall(x, bp.ep_bwd, d, s);
          });
        forward_compute(x, sp, a, track, s, tag, fwd_pass_start(x, c));
        const double secs = bp.bwd_s - (op.input_only ? bp.wgrad_s : 0.0);
        backward_compute(x, bp, a, track, s, tag_of(op.micro_batch2, cb), secs, 1, bwd_pass_end(x, cb),
                         [](int) {});
        if (a2a) timed(x, track, a.ep, "EP a2a", "ep", [&] { a2a->acquire(); });
        timed(x, track, a.tp, "TP", "tp", [&] {
          tp_collective(x, sp.tp_fwd, d, s);
          tp_collective(x, bp.tp_bwd, d, s);
        });
        if (sp.cp_fwd_s + bp.cp_bwd_s > 0)
          timed(x, track, a.cp, "CP", "cp", [&] { sg4::this_actor::sleep_for(sp.cp_fwd_s + bp.cp_bwd_s); });
        send_output(x, a, track, d, s, c, true);
        send_output(x, a, track, d, s, cb, false);
        if (x.overlap && rp.final_op[cb] == int(i))
          for (int j = 0; j < rp.buckets_per_chunk; ++j) release(i, cb, j);
        break;
      }
    }
  }
  if (!x.overlap)
    for (auto& b : buckets) b->release();
  else  // chunks that ran no backward here (DualPipe's fallback order uses one direction)
    for (int c = 0; c < x.chunks; ++c)
      if (rp.final_op[c] < 0)
        for (int j = 0; j < rp.buckets_per_chunk; ++j)
          buckets[size_t(c) * rp.buckets_per_chunk + j]->release();
  for (int id = 0; id < kStreams; ++id)  // the rank's streams finish their queued jobs, then stop
    if (x.streams[s][id].pending) stop_stream(x, s, StreamId(id));
  timed(x, track, a.dp, "grad reduce", "dp", [&] { x.dp_done[s]->acquire(); });
  if (s == 0 && x.embedding) {  // tied embeddings: first and last stage all-reduce their copy
    timed(x, track, a.dp, "embedding all-reduce", "dp", [&] {
      RingCollective c;
      std::vector<RingEdge> edges;
      for (int k = 0; k < x.cp; ++k)
        for (int t = 0; t < x.tp; ++t) {
          edges.push_back({x.rank(t, k, d, 0), x.rank(t, k, d, x.pp - 1), 1.0});
          edges.push_back({x.rank(t, k, d, x.pp - 1), x.rank(t, k, d, 0), 1.0});
        }
      c.rings.push_back(std::move(edges));
      c.bytes_per_rank = models::ring_allreduce_bytes_per_rank(x.emb_bytes, 2);
      c.steps = 2;
      c.step_latency_s = x.sc.cluster.cal.collective_step_latency_s;
      run_ring(x.plat, c, x.opt.step_level);
    });
  }
  timed(x, track, a.other, "optimizer", "other", [&] { sg4::this_actor::sleep_for(x.other_s); });
  a.end = x.now();
  if (x.zero == 1 && x.dp > 1) {
    // Distributed optimizer: updated parameters all-gathered; with overlap this hides behind the
    // next iteration's first forward, so only the excess counts.
    const double start = x.now();
    x.gather_ready[s]->release();
    x.gather_done[s]->acquire();
    const double hide = x.overlap ? x.stage[x.model_stage(s, 0)].fwd_s * x.v : 0;
    const double exposed = std::max(0.0, x.now() - start - hide);
    a.dp += exposed;
    a.end += exposed;
    if (exposed > 0 && x.opt.trace) x.slices.push_back({track, "param all-gather", "dp", start, exposed});
  }
}

void dp_actor(Ctx& x, int s) {
  const RankPlan& rp = x.rank_plan[s];
  const int track = x.pp * x.reps + s;
  RingCollective ring = x.dp_ring[s];
  const bool zero = x.zero >= 1;
  const double n = x.dp;
  const int nbuckets = int(rp.bucket_order.size());
  if (x.zero < 2)  // FSDP (ZeRO-2/3) reduces per unit during the backward (fsdp_actor)
    for (int b : rp.bucket_order) {
      for (int i = 0; i < x.reps; ++i) x.bucket_ready[s][b]->acquire();
      const double S = rp.grad_bytes / nbuckets;
      ring.bytes_per_rank = zero ? models::ring_allgather_bytes_per_rank(S, x.dp)
                                 : models::ring_allreduce_bytes_per_rank(S, x.dp);
      ring.steps = zero ? x.dp - 1 : 2 * (x.dp - 1);
      const double start = x.now();
      run_ring(x.plat, ring, x.opt.step_level);
      x.dp_busy[s] += x.now() - start;
      x.slice(track, zero ? "reduce-scatter" : "all-reduce", "dp", start);
    }
  else
    for (int b : rp.bucket_order)
      for (int i = 0; i < x.reps; ++i) x.bucket_ready[s][b]->acquire();
  for (int i = 0; i < x.reps; ++i) x.dp_done[s]->release();
  if (x.zero == 1 && x.dp > 1) {
    for (int i = 0; i < x.reps; ++i) x.gather_ready[s]->acquire();
    ring.bytes_per_rank = (n - 1) / n * rp.param_bytes;
    ring.steps = x.dp - 1;
    const double start = x.now();
    run_ring(x.plat, ring, x.opt.step_level);
    x.dp_busy[s] += x.now() - start;
    x.slice(track, "all-gather", "dp", start);
    for (int i = 0; i < x.reps; ++i) x.gather_done[s]->release();
  }
}

}  // namespace

std::vector<int> straggler_ranks(const Scenario& sc, double fraction) {
  const int n = sc.cluster.gpus();
  int k = int(std::lround(std::clamp(fraction, 0.0, 1.0) * n));
  if (fraction > 0) k = std::max(k, 1);
  std::vector<int> ranks(n);
  for (int i = 0; i < n; ++i) ranks[i] = i;
  std::mt19937_64 rng(sc.reliability.seed);  // fully specified engine: same picks everywhere
  for (int i = 0; i < k; ++i) std::swap(ranks[i], ranks[i + int(rng() % std::uint64_t(n - i))]);
  ranks.resize(k);
  std::sort(ranks.begin(), ranks.end());
  return ranks;
}

DesResult simulate(const Scenario& sc, const DesOptions& opt) {
  static std::mutex mutex;  // SimGrid keeps process-wide state: one simulation at a time
  std::lock_guard<std::mutex> lock(mutex);
  const models::Iteration an = models::analytic_iteration(sc);
  const auto& p = sc.parallelism;
  sg4::Engine engine("trainsite-des");
  configure_simgrid();

  FabricOptions fo;
  fo.failed_nic_links = opt.failed_links;
  if (opt.straggler_fraction > 0 && opt.straggler_slowdown > 1) {
    fo.gpu_slowdown.assign(sc.cluster.gpus(), 1.0);
    for (int r : straggler_ranks(sc, opt.straggler_fraction)) fo.gpu_slowdown[r] = opt.straggler_slowdown;
  }
  Platform plat(sc.cluster, fo);

  Ctx x{sc,
        opt,
        plat,
        p.tp,
        p.cp,
        p.pp,
        an.dp,
        std::max(1, p.ep),
        an.micro_batches,
        an.virtual_stages,
        sc.cluster.gpus_per_node};
  if (long(x.tp) * x.cp * x.dp * x.pp > plat.gpus())
    throw std::invalid_argument("sim: tp·cp·dp·pp exceeds the cluster's GPUs");
  x.t0 = sg4::Engine::get_clock();
  const models::Shape sh = models::shape_of(sc.workload.model);
  x.step_latency = sc.cluster.cal.collective_step_latency_s;
  x.pp_bytes = double(p.micro_batch) * sh.s / p.cp * sh.h * kAct / p.tp;
  x.other_s = an.other_s;
  x.overlap = p.overlap_grad_reduce;
  x.embedding = p.pp > 1 && sc.workload.model.tied_embeddings;
  x.emb_bytes = sh.V * sh.h / p.tp * (sc.workload.precision == models::Precision::bf16 ? 4.0 : 2.0);
  x.sched = an.schedule;
  x.dualpipe = x.sched == models::Schedule::dualpipe && x.pp > 1;
  if (x.dualpipe)
    x.sched = models::Schedule::dualpipe;
  else if (x.sched == models::Schedule::dualpipe)
    x.sched = models::Schedule::one_f_one_b;
  x.chunks = schedule_chunks(x.sched, x.v);
  x.zero = p.zero;
  if (x.sched == models::Schedule::zero_bubble && x.v > 1)
    throw std::invalid_argument("sim: the zero-bubble schedule runs one model chunk per stage");
  if (x.dualpipe && (x.pp % 2 != 0 || x.m % 2 != 0))
    throw std::invalid_argument("sim: DualPipe needs an even pp and an even number of micro-batches");
  for (int s = 0; s < x.pp; ++s) x.stage.push_back(plan_stage(sc, s, x.v, an.stages.at(s)));
  // Bucket count also bounded by a flow budget: every bucket is dp·tp·cp flows per stage.
  const long per_round = long(x.pp) * x.dp * x.tp * x.cp;
  // Whether a stage replica's TP/CP ranks each leave through their own NIC on disjoint rails (then the
  // DP rings of the different TP/CP ranks are copies of each other on different links).
  bool rail_symmetric = plat.rail_optimized() && opt.failed_links == 0;
  for (int s = 0; s < x.pp && rail_symmetric; ++s) {
    std::vector<int> nics;
    for (int c = 0; c < x.cp; ++c)
      for (int t = 0; t < x.tp; ++t) nics.push_back(plat.nic_key(x.rank(t, c, 0, s)));
    std::sort(nics.begin(), nics.end());
    rail_symmetric = std::adjacent_find(nics.begin(), nics.end()) == nics.end();
  }
  const int budget = int(std::max(1L, opt.max_dp_flows / std::max(1L, per_round)));
  for (int s = 0; s < x.pp; ++s) {
    RankPlan rp;
    rp.ops = schedule_ops(x.sched, x.pp, s, x.m, x.v);
    // Parameters on the rank: its stage, and under DualPipe also the mirror stage p−1−s (two copies of
    // the model's parameters across the pipeline, DeepSeek-V3 §3.2.1, each reduced over the replicas).
    double params = 0, chunk_params = 0;
    for (int c = 0; c < x.chunks; ++c) {
      if (x.dualpipe || c == 0) params += x.stage[x.model_stage(s, c)].params;
      chunk_params = std::max(chunk_params, x.stage[x.model_stage(s, c)].params / (x.dualpipe ? 1 : x.v));
    }
    rp.grad_bytes = params * models::gradient_bytes(sc);
    rp.param_bytes = params * kAct;
    rp.buckets_per_chunk = x.overlap ? std::clamp(int(std::ceil(chunk_params / opt.bucket_params)), 1,
                                                  std::max(1, std::min(opt.max_buckets, budget) / x.chunks))
                                     : 1;
    // The op after which each chunk's weight gradients are final: its last W, or its last full backward.
    rp.final_op.assign(x.chunks, -1);
    for (size_t i = 0; i < rp.ops.size(); ++i) {
      const PipeOp& op = rp.ops[i];
      if (op.kind == OpKind::weight || (op.kind == OpKind::backward && !op.input_only))
        rp.final_op[op.chunk] = int(i);
      if (op.kind == OpKind::fwd_bwd && !op.input_only) rp.final_op[op.chunk2] = int(i);
    }
    std::vector<int> order(x.chunks);
    for (int c = 0; c < x.chunks; ++c) order[c] = c;
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return rp.final_op[a] < rp.final_op[b]; });
    for (int c : order)
      for (int j = 0; j < rp.buckets_per_chunk; ++j) rp.bucket_order.push_back(c * rp.buckets_per_chunk + j);
    x.rank_plan.push_back(std::move(rp));
    // The rank's DP rings: one per TP/CP rank, over every replica.
    RingCollective ring;
    for (int c = 0; c < x.cp; ++c)
      for (int t = 0; t < x.tp; ++t) {
        std::vector<int> ranks;
        for (int d = 0; d < x.dp; ++d) ranks.push_back(x.rank(t, c, d, s));
        ring.rings.push_back(ring_edges(ranks, x.gpn));
      }
    ring.step_latency_s = sc.cluster.cal.collective_step_latency_s;
    RingCollective fsdp = ring;
    x.fsdp_ring.push_back(std::move(fsdp));
    x.dp_ring.push_back(std::move(ring));
    // FSDP gather slots in execution order.
    std::vector<GatherSlot> slots;
    if (x.zero >= 2 && x.dp > 1) {
      auto add = [&](int c, bool fwd) {
        const StagePlan& sp = x.stage[x.model_stage(s, c)];
        for (int u = 0; u < sp.units; ++u) {
          GatherSlot g;
          g.pass_start = u == 0 && (fwd ? fwd_pass_start(x, c) : bwd_pass_start(x, c));
          g.params = sp.unit_params;
          slots.push_back(g);
        }
      };
      for (const PipeOp& op : x.rank_plan.back().ops) {
        if (op.kind == OpKind::forward || op.kind == OpKind::fwd_bwd) add(op.chunk, true);
        if (x.zero >= 3 && op.kind == OpKind::backward) add(op.chunk, false);
        if (x.zero >= 3 && op.kind == OpKind::fwd_bwd) add(op.chunk2, false);
      }
    }
    x.gathers.push_back(std::move(slots));
  }
  // FSDP collectives as flows: with disjoint rails (each TP/CP rank of a replica on its own NIC of a
  // rail-optimized fabric, no failed link), or beyond the flow budget, they run on one TP rank's ring and
  // only on its edges that can see other traffic. Only replica 0's pipeline (and its EP group) sends
  // per-micro-batch traffic, so the edges between other replicas' nodes that stay under one leaf join
  // idle, private NIC pairs: all alike and never slower than the kept ones. Exact with disjoint rails;
  // beyond the budget on shared links (fat-tree leaves, a NIC carrying a failed one's traffic) the FSDP
  // rings' contention with each other is underestimated (docs/engine.md).
  if (x.zero >= 2 && x.dp > 1) {
    long collectives = 0, edges = 0;
    for (int s = 0; s < x.pp; ++s) {
      collectives += long(x.gathers[s].size());
      for (const PipeOp& op : x.rank_plan[s].ops)
        if (op.kind == OpKind::backward || op.kind == OpKind::fwd_bwd)
          collectives += x.stage[x.model_stage(s, op.kind == OpKind::fwd_bwd ? op.chunk2 : op.chunk)].units;
      for (const auto& r : x.fsdp_ring[s].rings) edges += long(r.size());
    }
    if (rail_symmetric || collectives * (edges / x.pp) > opt.max_fsdp_flows)
      for (int s = 0; s < x.pp; ++s) {
        RingCollective& fsdp = x.fsdp_ring[s];
        fsdp.rings.resize(1);
        std::vector<bool> busy(plat.nodes(), false);
        for (int d = 0; d < std::max(1, std::min(x.ep, x.dp)); ++d)
          for (int c = 0; c < x.cp; ++c)
            for (int t = 0; t < x.tp; ++t) busy[plat.node_of(x.rank(t, c, d, s))] = true;
        std::vector<int> route;
        double lat = 0;
        std::vector<RingEdge> kept;
        for (const RingEdge& e : fsdp.rings[0]) {
          plat.route(e.src, e.dst, route, lat);
          if (busy[plat.node_of(e.src)] || busy[plat.node_of(e.dst)] || route.size() > 2) kept.push_back(e);
        }
        if (!kept.empty()) fsdp.rings[0] = std::move(kept);
      }
  }
  const size_t sems = size_t(x.reps) * x.pp * x.chunks;
  for (size_t i = 0; i < sems; ++i) {
    x.fwd_in.push_back(sg4::Semaphore::create(0));
    x.bwd_in.push_back(sg4::Semaphore::create(0));
  }
  x.bucket_ready.resize(x.pp);
  x.streams.resize(x.pp);
  x.gather_next.assign(x.pp, 0);
  x.reduce_pending.resize(x.pp);
  for (int s = 0; s < x.pp; ++s) {
    for (size_t b = 0; b < x.rank_plan[s].bucket_order.size(); ++b)
      x.bucket_ready[s].push_back(sg4::Semaphore::create(0));
    x.dp_done.push_back(sg4::Semaphore::create(0));
    x.gather_ready.push_back(sg4::Semaphore::create(0));
    x.gather_done.push_back(sg4::Semaphore::create(0));
    if (x.zero >= 2 && x.dp > 1) x.streams[s][kFsdp].pending = sg4::Semaphore::create(0);
    if (x.dualpipe)
      for (StreamId id : {kEp, kSendF, kSendB}) x.streams[s][id].pending = sg4::Semaphore::create(0);
  }
  x.acc.resize(size_t(x.pp) * x.reps);
  x.dp_busy.assign(x.pp, 0.0);

  for (int s = 0; s < x.pp; ++s)
    for (int d = 0; d < x.reps; ++d) {
      // The actor runs on the stage's slowest GPU: tensor-parallel ranks advance in lock step and
      // the replicas meet at the gradient reduction.
      int host = x.rank(0, 0, d, s);
      for (int r = 0; r < x.dp; ++r)
        for (int c = 0; c < x.cp; ++c)
          for (int t = 0; t < x.tp; ++t)
            if (plat.gpu(x.rank(t, c, r, s))->get_speed() < plat.gpu(host)->get_speed())
              host = x.rank(t, c, r, s);
      if (opt.trace) x.tracks.push_back("stage " + std::to_string(s) + " / dp " + std::to_string(d));
      std::string name = "s";
      name.append(std::to_string(s)).append("d").append(std::to_string(d));
      sg4::Actor::create(name, plat.gpu(host), [&x, s, d] { stage_actor(x, s, d); });
    }
  for (int s = 0; s < x.pp; ++s) {
    if (opt.trace) x.tracks.push_back("stage " + std::to_string(s) + " / DP collectives");
    sg4::Actor::create("dp" + std::to_string(s), plat.gpu(x.rank(0, 0, 0, s)), [&x, s] { dp_actor(x, s); });
    for (int id = 0; id < kStreams; ++id)
      if (x.streams[s][id].pending) {
        std::string name = "stream";
        name.append(std::to_string(s)).append(".").append(std::to_string(id));
        sg4::Actor::create(name, plat.gpu(x.rank(0, 0, 0, s)),
                           [&x, s, id] { stream_actor(x, s, StreamId(id)); });
        ++x.stream_actors;
      }
  }
  // Data loading: token ids for the whole batch, read by every node from its storage target while
  // the step runs (models/step/iteration.cpp's read volume).
  const double read_bytes = double(sc.workload.global_batch) * sh.s * 4.0 * p.pp;
  sg4::Actor::create("loader", plat.storage(0), [&x, &plat, read_bytes] {
    std::vector<sg4::CommPtr> comms;
    for (int n = 0; n < plat.nodes(); ++n)
      comms.push_back(plat.send(plat.gpus() + n, n * x.gpn, read_bytes / plat.nodes()));
    sg4::Comm::wait_all(comms);
    x.read_done = x.now();
  });
  engine.run();

  // The iteration ends with its slowest stage actor; its timeline is the breakdown.
  const auto slow = std::max_element(x.acc.begin(), x.acc.end(),
                                     [](const Account& a, const Account& b) { return a.end < b.end; });
  const Account& a = *slow;
  const int slow_stage = int(slow - x.acc.begin()) / x.reps;
  DesResult res;
  models::Iteration it = an;
  it.compute_s = a.compute;
  it.tp_comm_s = a.tp;
  it.cp_comm_s = a.cp;
  it.ep_comm_s = a.ep;
  it.pp_comm_s = a.pp;
  it.pp_bubble_s = a.bubble;
  it.dp_comm_s = a.dp;
  it.other_s = a.other;
  it.dp_total_s = x.dp_busy[slow_stage];
  it.io_stall_s = std::max(0.0, x.read_done - a.end);
  it.step_time_s = a.end + it.io_stall_s;
  it.bubble_fraction = it.step_time_s > 0 ? a.bubble / it.step_time_s : 0;
  res.iteration = it;
  res.ranks = x.acc;
  res.tracks = std::move(x.tracks);
  res.slices = std::move(x.slices);
  res.actors = x.pp * x.reps + x.pp + 1 + x.stream_actors;
  res.flows = plat.flows();
  for (const auto& l : plat.links()) {
    if (l.kind != LinkKind::nic && l.kind != LinkKind::leaf_spine) continue;
    ++res.fabric_link_count;
    if (l.bytes <= 0) continue;
    res.fabric_links.push_back({l.name, l.kind == LinkKind::nic ? "nic" : "leaf-spine", l.bytes,
                                l.bandwidth_Bps, l.bytes / (l.bandwidth_Bps * it.step_time_s)});
  }
  std::stable_sort(res.fabric_links.begin(), res.fabric_links.end(),
                   [](const LinkLoad& a, const LinkLoad& b) { return a.utilization > b.utilization; });
  return res;
}

models::Iteration simulate_iteration(const Scenario& sc, const DesOptions& opt) {
  return simulate(sc, opt).iteration;
}

}  // namespace trainsite::sim
