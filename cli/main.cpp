// trainsite: the command-line front-end. Wires CLI11 subcommands to cli/commands.
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/validate.h"
#include "models/site/campaign.h"
#include "scenarios/errors.h"

int main(int argc, char** argv) {
  using namespace trainsite::cli;
  CLI::App app{"trainsite: power- and thermal-aware capacity simulator for large-model training"};
  app.require_subcommand(1);
  Common common;
  app.add_option("--data-dir", common.data_dir, "data directory (default: $TRAINSITE_DATA or the shipped data/)");

  std::string scenario;
  auto* est = app.add_subcommand("estimate", "analytic estimate per site");
  est->add_option("scenario", scenario, "scenario YAML")->required();
  est->add_flag("--json", common.json, "print the JSON result");
  est->add_option("--set", common.overrides, "override a key: a.b=value (repeatable)");

  SimulateArgs sim;
  auto* simc = app.add_subcommand("simulate", "discrete-event (SimGrid) iteration per site, with fabric what-ifs");
  simc->add_option("scenario", scenario, "scenario YAML")->required();
  simc->add_flag("--json", common.json, "print the JSON result");
  simc->add_option("--set", common.overrides, "override a key: a.b=value (repeatable)");
  simc->add_option("--trace", sim.trace, "write a Chrome/Perfetto trace-event JSON file");
  simc->add_option("--straggler-fraction", sim.straggler_fraction, "fraction of GPUs that are slow")
      ->check(CLI::Range(0.0, 1.0));
  simc->add_option("--straggler-slowdown", sim.straggler_slowdown, "compute-time multiplier of a slow GPU")
      ->check(CLI::Range(1.0, 100.0));
  simc->add_option("--fail-link", sim.fail_links, "node NIC links down (rail 0 of nodes 0..N-1, then rail 1...)")
      ->check(CLI::NonNegativeNumber);
  simc->add_flag("--step-level", sim.step_level, "one message per ring step instead of aggregated flows");

  ValidateArgs va;
  auto* val = app.add_subcommand("validate", "predict the validation sets and report errors per set and group");
  val->add_option("--data,--records", va.data,
                  "validation YAML or a directory of them (repeatable; default: every file in data/validation/)");
  val->add_option("--engine", va.engine, "analytic|des")->check(CLI::IsMember({"analytic", "des"}));
  val->add_option("--plot", va.plot_dir, "write error-vs-seq.png and error-vs-size.png into this directory");
  val->add_flag("--json", common.json, "print JSON");
  std::string mb_file, mb_calibration = "default";
  CalibrateOptions mb;  // link/log hints shared by validate --microbench and calibrate
  val->add_option("--microbench", mb_file, "validate the sub-models on a microbench JSON or nccl-tests/Megatron log");
  val->add_option("--calibration", mb_calibration, "calibration to predict with (--microbench; default: default)");
  val->add_option("--gpu", mb.gpu, "catalog GPU id (--microbench; default: from the JSON's GPU name)");
  val->add_option("--link-GBps", mb.link_GBps, "one-way NVLink GB/s per GPU of the measured system (--microbench)");
  val->add_option("--op", mb.op, "collective of an nccl-tests log (default: inferred)");
  val->add_option("--ranks", mb.ranks, "ranks of an nccl-tests log (default: inferred)");
  val->add_option("--nodes", mb.nodes, "nodes (NVLink domains) of an nccl-tests log (default: 1 or inferred)");
  val->add_option("--nic-gbps", mb.nic_gbps, "NIC line rate, multi-node collectives");
  val->add_option("--nics-per-node", mb.nics_per_node, "NICs per node, multi-node collectives");

  CalibrateOptions calo;
  auto* calc = app.add_subcommand("calibrate", "fit efficiency figures to microbenchmarks and logs, write a calibration");
  calc->add_option("inputs", calo.inputs, "microbench JSON, nccl-tests logs, Megatron logs")->required();
  calc->add_option("--out,-o", calo.out, "output: data/calibration/NAME.yaml")->required();
  calc->add_option("--name", calo.name, "calibration name (default: the output file's stem)");
  calc->add_option("--gpu", calo.gpu, "catalog GPU id (default: from the JSON's GPU name)");
  calc->add_option("--link-GBps", calo.link_GBps, "one-way NVLink GB/s per GPU of the measured system");
  calc->add_option("--op", calo.op, "collective of an nccl-tests log (default: inferred)");
  calc->add_option("--ranks", calo.ranks, "ranks of an nccl-tests log (default: inferred)");
  calc->add_option("--nodes", calo.nodes, "nodes (NVLink domains) of an nccl-tests log (default: 1 or inferred)");
  calc->add_option("--nic-gbps", calo.nic_gbps, "NIC line rate in Gb/s (multi-node collectives)");
  calc->add_option("--nics-per-node", calo.nics_per_node, "NICs per node (multi-node collectives)");
  calc->add_option("--gpus-per-node", calo.gpus_per_node, "GPUs per node (multi-node collectives)");
  calc->add_flag("--json", common.json, "print a JSON summary");

  std::string what;
  auto* cat = app.add_subcommand("catalog", "list GPUs, models and sites with their sources");
  cat->add_option("what", what, "gpus|models|sites");
  cat->add_flag("--json", common.json, "print JSON");

  SweepArgs sw;
  auto* swp = app.add_subcommand("sweep", "run a sweep file into SQLite; merge, query or export results");
  swp->add_option("sweep", sw.sweep, "sweep YAML (trainsite/sweep/v1); omit to query --db");
  swp->add_option("--db", sw.db, "results database (SQLite)");
  swp->add_option("--jobs,-j", sw.jobs, "worker threads")->check(CLI::PositiveNumber);
  swp->add_option("--shard", sw.shard, "run slice i/N of the points (0 <= i < N)");
  swp->add_flag("--resume", sw.resume, "continue a sweep in an existing database (skips points already stored)");
  swp->add_option("--merge", sw.merge, "OUT.sqlite IN.sqlite...: merge shard databases (idempotent)")->expected(2, -1);
  swp->add_option("--top", sw.top, "list the best N points (default 10)");
  swp->add_option("--by", sw.by, "sort column: cost.total, days, mfu, energy, co2, ... (default cost.total)");
  swp->add_flag("--desc", sw.descending, "sort descending (largest first)");
  swp->add_option("--where", sw.where, "filter: column=value (or != < <= > >=), repeatable");
  swp->add_flag("--all", sw.all, "list invalid and skipped points too");
  swp->add_option("--csv", sw.csv, "export every row of --db to this CSV file");
  swp->add_flag("--json", common.json, "print the listing as JSON");

  PlanArgs pl;
  auto* plc = app.add_subcommand("plan", "best layout and cluster per site under a deadline, budget and power cap");
  plc->add_option("scenario", scenario, "scenario YAML");
  plc->add_option("--minimize", pl.minimize, "objective: time|cost|co2 (default time)")
      ->check(CLI::IsMember({"time", "cost", "co2"}));
  auto* maxo = plc->add_option("--maximize", pl.maximize, "objective: tokens_per_day")
                   ->check(CLI::IsMember({"tokens_per_day"}));
  plc->get_option("--minimize")->excludes(maxo);
  plc->add_option("--deadline-days", pl.deadline_days, "wall-clock days the run must finish in")
      ->check(CLI::PositiveNumber);
  plc->add_option("--budget", pl.budget, "total cost limit, in the scenario's currency")->check(CLI::PositiveNumber);
  plc->add_option("--max-gpus", pl.max_gpus, "largest cluster to consider")->check(CLI::PositiveNumber);
  plc->add_option("--gpu", pl.gpus, "GPU types to search (catalog ids, repeatable or comma-separated)")
      ->delimiter(',');
  plc->add_option("--nodes", pl.nodes, "cluster sizes: auto (1, 2, 3, 4, 6, 8, ... nodes) or a list 64,128,256");
  plc->add_option("--sites", pl.sites, "sites to plan for (ids, comma-separated, or all)")->delimiter(',');
  plc->add_flag("--allow-derate", pl.allow_derate, "accept plans the site's power cap would derate");
  plc->add_option("--zero", pl.zeros, "ZeRO stages to search (default 0,1,2,3)")
      ->delimiter(',')
      ->check(CLI::Range(0, 3));
  plc->add_option("--recompute", pl.recomputes, "recompute modes to search (default none,selective,full)")
      ->delimiter(',')
      ->check(CLI::IsMember({"none", "selective", "full"}));
  plc->add_option("--schedule", pl.schedules,
                  "pipeline schedules to search: auto (1F1B, interleaved when faster), zero-bubble, dualpipe "
                  "(MoE only) (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember({"auto", "zero-bubble", "dualpipe"}));
  plc->add_option("--keep", pl.keep, "best layouts per cluster taken to the site model (default 8)")
      ->check(CLI::Range(1, 1000));
  plc->add_option("--runner-ups", pl.runner_ups, "runner-ups listed per site (default 3)")->check(CLI::Range(0, 50));
  plc->add_option("--jobs,-j", pl.jobs, "threads (default: all cores)")->check(CLI::PositiveNumber);
  plc->add_flag("--no-des", pl.no_des, "skip the DES re-check of the best plans");
  plc->add_option("--des-top", pl.des_top, "distinct plans re-checked with the DES (default 3)")
      ->check(CLI::Range(0, 50));
  plc->add_option("--records", pl.records, "plan each record of a validation file instead (e.g. data/validation/public.yaml)");
  plc->add_flag("--json", common.json, "print the JSON plan");
  plc->add_option("--set", common.overrides, "override a key: a.b=value (repeatable)");

  std::string report_in, report_out;
  auto* rep = app.add_subcommand("report", "write a PDF, HTML or CSV report of a scenario or a sweep database");
  rep->add_option("input", report_in, "scenario YAML or sweep database (.sqlite)")->required();
  rep->add_option("--out,-o", report_out, "output file: .pdf, .html or .csv")->required();
  rep->add_option("--set", common.overrides, "override a key of the scenario: a.b=value (repeatable)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*est) return cmd_estimate(scenario, common);
    if (*simc) return cmd_simulate(scenario, sim, common);
    if (*val && !mb_file.empty()) return cmd_validate_microbench(mb_file, mb_calibration, mb, common);
    if (*val) return cmd_validate(va, common);
    if (*calc) return cmd_calibrate(calo, common);
    if (*cat) return cmd_catalog(what, common);
    if (*swp) {
      if (!sw.top && sw.csv.empty()) sw.top = 10;
      return cmd_sweep(sw, common);
    }
    if (*rep) return cmd_report(report_in, report_out, common);
    if (*plc) return cmd_plan(scenario, pl, common);
  } catch (const trainsite::scenarios::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const trainsite::models::PowerCapError& e) {  // the site cannot host the cluster: bad input
    std::cerr << "trainsite: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "trainsite: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
