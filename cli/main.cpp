// trainsite: the command-line front-end. Wires CLI11 subcommands to cli/commands.
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "models/campaign.h"
#include "scenarios/errors.h"

int main(int argc, char** argv) {
  using namespace trainsite::cli;
  CLI::App app{"trainsite: power- and thermal-aware capacity simulator for large-model training"};
  app.require_subcommand(1);
  Common common;
  app.add_option("--data", common.data_dir, "data directory (default: $TRAINSITE_DATA or the shipped data/)");

  std::string scenario;
  auto* est = app.add_subcommand("estimate", "analytic estimate per site");
  est->add_option("scenario", scenario, "scenario YAML")->required();
  est->add_flag("--json", common.json, "print the JSON result");
  est->add_option("--set", common.overrides, "override a key: a.b=value (repeatable)");

  std::string data_file, engine = "analytic";
  auto* val = app.add_subcommand("validate", "predict the validation set and report errors");
  val->add_option("--data-file,--records", data_file, "validation YAML (default: data/validation/public.yaml)");
  val->add_option("--engine", engine, "analytic|des")->check(CLI::IsMember({"analytic", "des"}));
  val->add_flag("--json", common.json, "print JSON");

  std::string what;
  auto* cat = app.add_subcommand("catalog", "list GPUs, models and sites with their sources");
  cat->add_option("what", what, "gpus|models|sites");
  cat->add_flag("--json", common.json, "print JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*est) return cmd_estimate(scenario, common);
    if (*val) return cmd_validate(data_file, engine, common);
    if (*cat) return cmd_catalog(what, common);
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
