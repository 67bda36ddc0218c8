// The layout search of one cluster (models/plan.h): enumerate, bound on memory, bound on step time,
// evaluate the survivors with the analytic engine in increasing order of their bound.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "models/layout.h"
#include "models/parallel.h"
#include "models/plan.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"
#include "models/step/transformer.h"

namespace trainsite::models {

std::string to_string(Recompute r) {
  return r == Recompute::none ? "none" : r == Recompute::selective ? "selective" : "full";
}

std::string describe(const LayoutChoice& l) {
  char buf[240];
  std::snprintf(buf, sizeof buf,
                "tp %d · pp %d · dp %d · cp %d · ep %d · mb %d · v %d · %s · ZeRO %d · recompute %s", l.tp,
                l.pp, l.dp, l.cp, l.ep, l.micro_batch, l.virtual_stages, to_string(l.schedule).c_str(),
                l.zero, to_string(l.recompute).c_str());
  return buf;
}

LayoutChoice layout_of(const Scenario& sc, const Iteration& it) {
  const auto& p = sc.parallelism;
  LayoutChoice l;
  l.tp = p.tp;
  l.pp = p.pp;
  l.dp = it.dp;
  l.cp = p.cp;
  l.ep = p.ep;
  l.micro_batch = p.micro_batch;
  l.virtual_stages = it.virtual_stages;
  l.schedule = it.schedule;
  l.zero = p.zero;
  l.recompute = sc.workload.recompute;
  l.sequence_parallel = p.sequence_parallel;
  return l;
}

void apply_layout(Scenario& sc, const LayoutChoice& l) {
  auto& p = sc.parallelism;
  p.tp = l.tp;
  p.pp = l.pp;
  p.dp = l.dp;
  p.cp = l.cp;
  p.ep = l.ep;
  p.micro_batch = l.micro_batch;
  p.virtual_stages = l.virtual_stages;
  p.schedule = l.schedule;
  p.zero = l.zero;
  p.sequence_parallel = l.sequence_parallel;
  sc.workload.recompute = l.recompute;
}

double step_lower_bound_s(const Scenario& sc) {
  const StageWork last = stage_work(sc, sc.parallelism.pp - 1);
  return micro_batches(sc) * (last.fwd_compute_s + last.bwd_compute_s);
}

double flop_lower_bound_s(const Scenario& sc) {
  const double peak = sc.cluster.gpu.peak(sc.workload.precision).value_or(0) * 1e12;
  if (peak <= 0 || sc.cluster.gpus() <= 0) return 0;
  return model_flops_per_iteration(sc.workload) / (double(sc.cluster.gpus()) * peak);
}

SearchCounts& SearchCounts::operator+=(const SearchCounts& o) {
  searched += o.searched;
  layout_rules += o.layout_rules;
  memory += o.memory;
  step_bound += o.step_bound;
  evaluated += o.evaluated;
  return *this;
}

namespace {

std::vector<int> divisors(long n, long max) {
  std::vector<int> out;
  for (long d = 1; d <= std::min(n, max); ++d)
    if (n % d == 0) out.push_back(int(d));
  return out;
}

bool has_memory_problem(const std::vector<LayoutProblem>& p) {
  return std::any_of(p.begin(), p.end(), [](const auto& x) { return x.rule == LayoutRule::memory; });
}

struct Pending {
  LayoutChoice layout;
  double bound = 0;
  long order = 0;  // enumeration order: the tie-break, so results do not depend on threads
};

// Evaluated in fixed-size chunks so that what is pruned does not depend on the number of threads.
constexpr size_t kChunk = 32;

// The schedules searched for a pipeline of `pp` stages: one (1F1B, interleaving left to the engine)
// without a pipeline; zero-bubble where pp > 1; DualPipe only for MoE models on an even pp.
std::vector<Schedule> schedules_for(const std::vector<Schedule>& asked, int pp, bool moe) {
  if (pp <= 1) return {Schedule::automatic};
  std::vector<Schedule> out;
  for (const Schedule s : asked) {
    if (s == Schedule::dualpipe && (!moe || pp % 2 != 0)) continue;
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

}  // namespace

LayoutSearch search_layouts(const Scenario& sc_in, const SearchOptions& o) {
  LayoutSearch out;
  SearchCounts& n = out.counts;
  Scenario base = sc_in;
  base.sites.clear();  // the step does not depend on the site; copies stay cheap
  const auto& m = base.workload.model;
  const long gpus = base.cluster.gpus();
  const int per_node = base.cluster.gpus_per_node;
  const int batch = base.workload.global_batch;
  const bool sp = sc_in.parallelism.sequence_parallel;
  const std::vector<Recompute>& recomputes = o.recomputes;
  const std::vector<int>& zeros = o.zeros;
  // The least-memory setting of a group, for the memory bound: the most recompute, the highest stage.
  const Recompute least_recompute =
      recomputes.empty() ? Recompute::full
                         : *std::max_element(recomputes.begin(), recomputes.end(),
                                             [](Recompute a, Recompute b) { return int(a) < int(b); });
  const int least_zero = zeros.empty() ? 3 : *std::max_element(zeros.begin(), zeros.end());

  std::vector<Pending> pending;
  Scenario s = base;
  for (int tp : divisors(per_node, per_node)) {  // tensor parallelism inside one NVLink domain
    if (gpus % tp != 0) continue;
    for (int cp : divisors(gpus / tp, o.max_cp)) {
      if (cp & (cp - 1)) continue;  // powers of two, as ring attention is deployed
      for (int pp : divisors(gpus / tp / cp, std::max(1, m.layers))) {
        const int dp = int(gpus / (long(tp) * cp * pp));
        const std::vector<int> eps = m.moe ? divisors(long(dp) * cp, m.moe->experts) : std::vector<int>{1};
        const std::vector<int> mbs = batch % dp == 0 ? divisors(batch / dp, batch / dp) : std::vector<int>{1};
        const std::vector<Schedule> scheds = schedules_for(o.schedules, pp, m.moe.has_value());
        for (int ep : eps) {
          const long group =
              long(recomputes.size()) * long(zeros.size()) * long(mbs.size()) * long(scheds.size());
          n.searched += group;
          if (scheds.empty()) continue;  // none of the schedules asked for can run this pp
          // The least-memory setting of the group: most recompute, highest ZeRO stage, micro-batch 1,
          // 1F1B without interleaving (zero-bubble holds as much, DualPipe more: models/step/memory.h).
          LayoutChoice l{tp,          pp, dp, cp, ep, 1, 0, Schedule::automatic, least_zero, least_recompute,
                         sp && tp > 1};
          apply_layout(s, l);
          s.parallelism.virtual_stages = 1;
          const auto problems = layout_problems(s);
          if (!problems.empty()) {
            (has_memory_problem(problems) ? n.memory : n.layout_rules) += group;
            continue;
          }
          for (Recompute rc : recomputes)
            for (int z : zeros)
              for (size_t i = 0; i < mbs.size(); ++i) {
                l.recompute = rc;
                l.zero = z;
                l.micro_batch = mbs[i];
                l.schedule = Schedule::automatic;
                apply_layout(s, l);
                s.parallelism.virtual_stages = 1;
                const auto pr = layout_problems(s);
                if (has_memory_problem(pr)) {  // larger micro-batches hold more activations
                  n.memory += long(mbs.size() - i) * long(scheds.size());
                  break;
                }
                if (!pr.empty()) {
                  n.layout_rules += long(scheds.size());
                  continue;
                }
                const double bound = step_lower_bound_s(s);  // the stage work does not depend on the schedule
                for (const Schedule sched : scheds) {
                  l.schedule = sched;
                  // Zero-bubble (ZB-H1) has 1F1B's rules and peak memory (models/step/memory.h), checked
                  // above; DualPipe has rules of its own and holds more.
                  if (sched == Schedule::dualpipe) {
                    if (micro_batches(s) < pp) {  // DualPipe's pipeline never fills
                      ++n.layout_rules;
                      continue;
                    }
                    apply_layout(s, l);
                    s.parallelism.virtual_stages = 1;
                    const auto ps = layout_problems(s);
                    if (!ps.empty()) {
                      ++(has_memory_problem(ps) ? n.memory : n.layout_rules);
                      continue;
                    }
                  }
                  pending.push_back({l, bound, long(pending.size())});
                }
              }
        }
      }
    }
  }

  std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return a.bound != b.bound ? a.bound < b.bound : a.order < b.order;
  });
  struct Done {
    LayoutCandidate c;
    long order = 0;
  };
  std::vector<Done> top;  // fastest first, at most `keep`
  const size_t keep = size_t(std::max(1, o.keep));
  auto threshold = [&] {
    return top.size() < keep ? std::numeric_limits<double>::infinity() : top.back().c.iteration.step_time_s;
  };
  // Layouts that differ only in memory knobs (ZeRO stage, recompute) and tie on step time: keep the
  // one with the least machinery (lower stage, less recompute), so ties do not crowd the list.
  auto knobs_twin = [](const LayoutChoice& a, const LayoutChoice& b) {
    LayoutChoice x = a;
    x.zero = b.zero;
    x.recompute = b.recompute;
    return x == b;
  };
  auto simpler = [](const LayoutChoice& a, const LayoutChoice& b) {
    return std::make_pair(int(a.recompute), a.zero) < std::make_pair(int(b.recompute), b.zero);
  };
  std::vector<Done> chunk(kChunk);
  std::vector<char> run(kChunk);
  for (size_t start = 0; start < pending.size(); start += kChunk) {
    const double limit = threshold();
    if (pending[start].bound > limit) {  // sorted: every later bound is larger
      n.step_bound += long(pending.size() - start);
      break;
    }
    const size_t count = std::min(kChunk, pending.size() - start);
    for (size_t i = 0; i < count; ++i) {
      run[i] = pending[start + i].bound <= limit;
      if (!run[i]) ++n.step_bound;
    }
    parallel_for(count, o.jobs, [&](size_t i, int) {
      if (!run[i]) return;
      const Pending& p = pending[start + i];
      Scenario t = base;
      apply_layout(t, p.layout);
      // auto: the fastest interleaving that fits; zero-bubble and DualPipe run one chunk per stage.
      t.parallelism.virtual_stages = p.layout.schedule == Schedule::automatic ? 0 : 1;
      Done d;
      d.c.iteration = analytic_iteration(t);
      d.c.layout = p.layout;
      d.c.layout.virtual_stages = d.c.iteration.virtual_stages;
      d.c.layout.schedule = d.c.iteration.schedule;
      t.parallelism.virtual_stages = d.c.layout.virtual_stages;
      d.c.memory_GB = memory_per_gpu(t).total_GB();
      d.c.lower_bound_s = p.bound;
      d.order = p.order;
      chunk[i] = std::move(d);
    });
    for (size_t i = 0; i < count; ++i) {
      if (!run[i]) continue;
      ++n.evaluated;
      Done& d = chunk[i];
      const double t = d.c.iteration.step_time_s;
      auto twin = std::find_if(top.begin(), top.end(), [&](const Done& x) {
        return knobs_twin(x.c.layout, d.c.layout) && x.c.iteration.step_time_s == t;
      });
      if (twin != top.end()) {
        if (simpler(d.c.layout, twin->c.layout)) *twin = std::move(d);
        continue;
      }
      auto at = std::find_if(top.begin(), top.end(), [&](const Done& x) {
        const double xt = x.c.iteration.step_time_s;
        return t < xt || (t == xt && d.order < x.order);
      });
      if (at == top.end() && top.size() >= keep) continue;
      top.insert(at, std::move(d));
      if (top.size() > keep) top.pop_back();
    }
  }
  for (auto& d : top) out.best.push_back(std::move(d.c));
  return out;
}

std::vector<int> default_node_counts(int gpus_per_node, int max_gpus) {
  std::vector<int> out;
  const long max_nodes = std::max(1, max_gpus / std::max(1, gpus_per_node));
  for (long p = 1; p <= max_nodes; p *= 2) {
    out.push_back(int(p));
    if (p >= 2 && p / 2 * 3 <= max_nodes) out.push_back(int(p / 2 * 3));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace trainsite::models
