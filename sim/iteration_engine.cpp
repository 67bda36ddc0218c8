#include "sim/iteration_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <simgrid/s4u.hpp>
#include <stdexcept>

#include "models/step/collectives.h"
#include "models/step/memory.h"
#include "models/step/transformer.h"
#include "sim/collectives.h"
#include "sim/schedule.h"

namespace trainsite::sim {

namespace sg4 = simgrid::s4u;
using models::Scenario;

namespace {

constexpr double kAct = 2.0;  // bytes per activation element, as in models/step/iteration.cpp

// Time spent by one stage actor, by kind; the parts sum to its end time.
struct Account {
  double compute = 0, tp = 0, cp = 0, ep = 0, pp = 0, bubble = 0, dp = 0, other = 0, end = 0;
};

// Per-chunk, per-micro-batch work of one pipeline stage.
struct StagePlan {
  double fwd_s = 0, bwd_s = 0, cp_fwd_s = 0, cp_bwd_s = 0, ep_fwd_s = 0, ep_bwd_s = 0;
  RingCollective tp_fwd, tp_bwd;  // rings filled per group at run time
  double ep_fwd_bytes = 0, ep_bwd_bytes = 0;
  int ep_fwd_count = 0, ep_bwd_count = 0;
  double zero3_fwd_s = 0, zero3_bwd_s = 0;
  double grad_bytes = 0, param_bytes = 0;  // per GPU, whole stage
  int buckets_per_chunk = 1;
  std::vector<int> bucket_order;  // bucket ids (chunk·buckets_per_chunk + j) as backward frees them
  std::vector<PipeOp> ops;
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
  // Pipelines simulated: replicas run in lock step, so one representative pipeline (replica 0)
  // carries the per-micro-batch traffic and each stage computes at its slowest replica's speed;
  // the DP collectives still span every replica's GPUs.
  int reps = 1;
  double t0 = 0, step_latency = 0, pp_bytes = 0, other_s = 0, emb_bytes = 0;
  bool overlap = false, embedding = false;
  std::vector<StagePlan> stage;
  std::vector<sg4::SemaphorePtr> fwd_in, bwd_in;                      // [(d·pp + s)·v + c]
  std::vector<std::vector<sg4::SemaphorePtr>> bucket_ready;           // [s][bucket]
  std::vector<sg4::SemaphorePtr> dp_done, gather_ready, gather_done;  // [s]
  std::vector<Account> acc;                                           // [s·dp + d]
  std::vector<double> dp_busy;                                        // [s] collective time
  double read_done = 0;
  std::vector<TraceSlice> slices;
  std::vector<std::string> tracks;

  int rank(int t, int c, int d, int s) const { return t + tp * (c + cp * (d + dp * s)); }
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

StagePlan plan_stage(const Scenario& sc, int s, int v, const models::Iteration& it) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const auto& cal = sc.cluster.cal;
  const models::Shape sh = models::shape_of(w.model);
  const models::StageWork st = models::stage_work(sc, s);
  StagePlan sp;
  sp.fwd_s = st.fwd_compute_s / v;
  sp.bwd_s = st.bwd_compute_s / v;
  // Ring attention exchange: exposed forward part is a third of the stage total (backward sends K, V
  // and returns dK, dV: twice the forward), kept from the analytic model (intra-node NVLink).
  sp.cp_fwd_s = st.cp_comm_s / 3 / v;
  sp.cp_bwd_s = 2 * st.cp_comm_s / 3 / v;
  const int per_stage = w.model.layers / p.pp;
  const int dense_layers = w.model.moe ? w.model.moe->dense_layers : w.model.layers;
  const int dense_here = std::clamp(dense_layers - s * per_stage, 0, per_stage);
  const int moe_here = per_stage - dense_here;
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
    sp.tp_fwd = ar(2 * per_stage);
    sp.tp_bwd = ar(2 * per_stage + (full ? 2 * per_stage : 0));
  }
  // Expert parallel: dispatch + combine all-to-alls per MoE layer, forward and backward (and the
  // recomputed forward), each rank sending S/ep to every peer.
  if (p.ep > 1 && moe_here > 0 && w.model.moe) {
    const double S = T * w.model.moe->top_k * sh.h * kAct / p.tp;
    sp.ep_fwd_count = 2 * moe_here;
    sp.ep_bwd_count = 2 * moe_here + (full ? 2 * moe_here : 0);
    sp.ep_fwd_bytes = sp.ep_fwd_count * S / v;
    sp.ep_bwd_bytes = sp.ep_bwd_count * S / v;
    const double share = st.ep_comm_s > 0 ? 1.0 / (sp.ep_fwd_count + sp.ep_bwd_count) : 0;
    sp.ep_fwd_s = st.ep_comm_s * sp.ep_fwd_count * share / v;  // fallback when peers do not align
    sp.ep_bwd_s = st.ep_comm_s * sp.ep_bwd_count * share / v;
  }
  const double P = models::stage_parameters_per_gpu(sc, s);
  sp.grad_bytes = P * (w.precision == models::Precision::bf16 ? 4.0 : 2.0);  // fp32 grads under bf16
  sp.param_bytes = P * kAct;
  if (p.zero >= 3) {
    const models::Link dpl = models::group_link(sc.cluster, cal, it.dp, p.tp * p.cp);
    const double ag = models::allgather_s(dpl, P * kAct, it.dp);
    sp.zero3_fwd_s = std::max(0.0, ag - st.fwd_compute_s) / v;
    sp.zero3_bwd_s = std::max(0.0, ag - st.bwd_compute_s) / v;
  }
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
  sem[(size_t(d) * x.pp + s_to) * x.v + chunk_to]->release();
}

void tp_collective(Ctx& x, const RingCollective& proto, int d, int s) {
  if (proto.bytes_per_rank <= 0) return;
  RingCollective c = proto;
  c.rings.clear();
  // All ring edges of a TP group are alike and NVSwitch ports are private: one edge per group.
  for (int k = 0; k < x.cp; ++k) c.rings.push_back({{x.rank(0, k, d, s), x.rank(1, k, d, s), 1.0}});
  run_ring(x.plat, c, x.opt.step_level);
}

void ep_alltoall(Ctx& x, const StagePlan& sp, bool fwd, int d, int s) {
  const double bytes = fwd ? sp.ep_fwd_bytes : sp.ep_bwd_bytes;
  if (bytes <= 0) return;
  if (x.dp % x.ep != 0) {
    sg4::this_actor::sleep_for(fwd ? sp.ep_fwd_s : sp.ep_bwd_s);
    return;
  }
  RingCollective c;
  std::vector<RingEdge> edges;
  const int base = d / x.ep * x.ep;
  for (int k = 0; k < x.cp; ++k)
    for (int t = 0; t < x.tp; ++t)
      for (int e = 0; e < x.ep; ++e)
        if (base + e != d) edges.push_back({x.rank(t, k, d, s), x.rank(t, k, base + e, s), 1.0 / x.ep});
  c.rings.push_back(std::move(edges));
  c.bytes_per_rank = bytes;
  c.steps = (fwd ? sp.ep_fwd_count : sp.ep_bwd_count) * (x.ep - 1);
  c.step_latency_s = x.sc.cluster.cal.collective_step_latency_s;
  run_ring(x.plat, c, false);
}

void stage_actor(Ctx& x, int s, int d) {
  const StagePlan& sp = x.stage[s];
  Account& a = x.acc[size_t(s) * x.reps + d];
  const int track = s * x.reps + d;
  auto& buckets = x.bucket_ready[s];
  for (const PipeOp& op : sp.ops) {
    const int c = op.chunk;
    std::string tag = std::to_string(op.micro_batch);
    if (x.v > 1) tag.append(".").append(std::to_string(c));
    const bool first_hop = op.forward ? (s == 0 && c == 0) : (s == x.pp - 1 && c == x.v - 1);
    if (!first_hop) {
      auto& sem = op.forward ? x.fwd_in : x.bwd_in;
      timed(x, track, a.bubble, "wait", "wait", [&] { sem[(size_t(d) * x.pp + s) * x.v + c]->acquire(); });
    }
    if (op.forward) {
      timed(x, track, a.compute, std::string("F").append(tag), "compute",
            [&] { sg4::this_actor::execute(sp.fwd_s * Platform::kHostSpeed); });
      timed(x, track, a.tp, "TP", "tp", [&] { tp_collective(x, sp.tp_fwd, d, s); });
      if (sp.cp_fwd_s > 0)
        timed(x, track, a.cp, "CP", "cp", [&] { sg4::this_actor::sleep_for(sp.cp_fwd_s); });
      timed(x, track, a.ep, "EP a2a", "ep", [&] { ep_alltoall(x, sp, true, d, s); });
      if (sp.zero3_fwd_s > 0)
        timed(x, track, a.dp, "ZeRO-3 gather", "dp", [&] { sg4::this_actor::sleep_for(sp.zero3_fwd_s); });
      if (s < x.pp - 1)
        timed(x, track, a.pp, "send F", "pp", [&] { pp_send(x, d, s, s + 1, c, true); });
      else if (c < x.v - 1)
        timed(x, track, a.pp, "send F", "pp", [&] { pp_send(x, d, s, 0, c + 1, true); });
    } else {
      const bool last = op.micro_batch == x.m - 1 && x.overlap;
      const int nb = last ? sp.buckets_per_chunk : 1;
      for (int j = 0; j < nb; ++j) {  // gradients of each bucket are final after its part of the backward
        timed(x, track, a.compute, std::string("B").append(tag), "compute",
              [&] { sg4::this_actor::execute(sp.bwd_s / nb * Platform::kHostSpeed); });
        if (last) buckets[size_t(c) * sp.buckets_per_chunk + j]->release();
      }
      timed(x, track, a.tp, "TP", "tp", [&] { tp_collective(x, sp.tp_bwd, d, s); });
      if (sp.cp_bwd_s > 0)
        timed(x, track, a.cp, "CP", "cp", [&] { sg4::this_actor::sleep_for(sp.cp_bwd_s); });
      timed(x, track, a.ep, "EP a2a", "ep", [&] { ep_alltoall(x, sp, false, d, s); });
      if (sp.zero3_bwd_s > 0)
        timed(x, track, a.dp, "ZeRO-3 gather", "dp", [&] { sg4::this_actor::sleep_for(sp.zero3_bwd_s); });
      if (s > 0)
        timed(x, track, a.pp, "send B", "pp", [&] { pp_send(x, d, s, s - 1, c, false); });
      else if (c > 0)
        timed(x, track, a.pp, "send B", "pp", [&] { pp_send(x, d, s, x.pp - 1, c - 1, false); });
    }
  }
  if (!x.overlap)
    for (auto& b : buckets) b->release();
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
  if (x.sc.parallelism.zero >= 1 && x.dp > 1) {
    // Distributed optimizer: updated parameters all-gathered; with overlap this hides behind the
    // next iteration's first forward, so only the excess counts.
    const double start = x.now();
    x.gather_ready[s]->release();
    x.gather_done[s]->acquire();
    const double hide = x.overlap ? sp.fwd_s * x.v : 0;
    const double exposed = std::max(0.0, x.now() - start - hide);
    a.dp += exposed;
    a.end += exposed;
    if (exposed > 0 && x.opt.trace) x.slices.push_back({track, "param all-gather", "dp", start, exposed});
  }
}

void dp_actor(Ctx& x, int s) {
  const StagePlan& sp = x.stage[s];
  const int track = x.pp * x.reps + s;
  RingCollective ring;
  for (int c = 0; c < x.cp; ++c)
    for (int t = 0; t < x.tp; ++t) {
      std::vector<int> ranks;
      for (int d = 0; d < x.dp; ++d) ranks.push_back(x.rank(t, c, d, s));
      ring.rings.push_back(ring_edges(ranks, x.gpn));
    }
  ring.step_latency_s = x.sc.cluster.cal.collective_step_latency_s;
  const bool zero = x.sc.parallelism.zero >= 1;
  const double n = x.dp;
  const int nbuckets = int(sp.bucket_order.size());
  for (int b : sp.bucket_order) {
    for (int i = 0; i < x.reps; ++i) x.bucket_ready[s][b]->acquire();
    const double S = sp.grad_bytes / nbuckets;
    ring.bytes_per_rank = zero ? models::ring_allgather_bytes_per_rank(S, x.dp)
                               : models::ring_allreduce_bytes_per_rank(S, x.dp);
    ring.steps = zero ? x.dp - 1 : 2 * (x.dp - 1);
    const double start = x.now();
    run_ring(x.plat, ring, x.opt.step_level);
    x.dp_busy[s] += x.now() - start;
    x.slice(track, zero ? "reduce-scatter" : "all-reduce", "dp", start);
  }
  for (int i = 0; i < x.reps; ++i) x.dp_done[s]->release();
  if (zero && x.dp > 1) {
    for (int i = 0; i < x.reps; ++i) x.gather_ready[s]->acquire();
    ring.bytes_per_rank = (n - 1) / n * sp.param_bytes;
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
  for (int s = 0; s < x.pp; ++s) {
    StagePlan sp = plan_stage(sc, s, x.v, an);
    sp.ops = pipeline_schedule(x.pp, s, x.m, x.v);
    const double chunk_params = models::stage_parameters_per_gpu(sc, s) / x.v;
    // Bucket count also bounded by a flow budget: every bucket is dp·tp·cp flows per stage.
    const long per_round = long(x.pp) * x.dp * x.tp * x.cp;
    const int budget = int(std::max(1L, opt.max_dp_flows / std::max(1L, per_round)));
    sp.buckets_per_chunk = x.overlap ? std::clamp(int(std::ceil(chunk_params / opt.bucket_params)), 1,
                                                  std::max(1, std::min(opt.max_buckets, budget) / x.v))
                                     : 1;
    for (const PipeOp& op : sp.ops)
      if (!op.forward && op.micro_batch == x.m - 1)
        for (int j = 0; j < sp.buckets_per_chunk; ++j)
          sp.bucket_order.push_back(op.chunk * sp.buckets_per_chunk + j);
    x.stage.push_back(std::move(sp));
  }
  const size_t sems = size_t(x.reps) * x.pp * x.v;
  for (size_t i = 0; i < sems; ++i) {
    x.fwd_in.push_back(sg4::Semaphore::create(0));
    x.bwd_in.push_back(sg4::Semaphore::create(0));
  }
  x.bucket_ready.resize(x.pp);
  for (int s = 0; s < x.pp; ++s) {
    for (size_t b = 0; b < x.stage[s].bucket_order.size(); ++b)
      x.bucket_ready[s].push_back(sg4::Semaphore::create(0));
    x.dp_done.push_back(sg4::Semaphore::create(0));
    x.gather_ready.push_back(sg4::Semaphore::create(0));
    x.gather_done.push_back(sg4::Semaphore::create(0));
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
  res.tracks = std::move(x.tracks);
  res.slices = std::move(x.slices);
  res.actors = x.pp * x.reps + x.pp + 1;
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
