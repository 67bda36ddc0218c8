// `trainsite report`: placeholder until reports/report.* lands.
#include <iostream>

#include "cli/commands.h"

namespace trainsite::cli {

int cmd_report(const std::string&, const std::string&, const Common&) {
  std::cerr << "trainsite report: not implemented yet\n";
  return 1;
}

}  // namespace trainsite::cli
