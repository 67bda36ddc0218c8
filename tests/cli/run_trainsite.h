// Runs the built `trainsite` binary as a process for the CLI tests: exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace trainsite::testing {

inline const std::string kBinary = std::string(TRAINSITE_BINARY_DIR) + "/cli/trainsite";
inline const std::string kSource = TRAINSITE_SOURCE_DIR;

struct Proc {
  int rc = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `cd DIR && [ENV] trainsite ARGS` (arguments are trusted test strings); stderr goes through a file
// unique to this process and call.
inline Proc run_trainsite(const std::string& args, const std::filesystem::path& dir = kSource,
                          const std::string& env = "") {
  static int counter = 0;
  const std::filesystem::path err_file =
      std::filesystem::temp_directory_path() /
      ("trainsite-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const std::string cmd = "cd '" + dir.string() + "' && " + env + (env.empty() ? "" : " ") + "'" + kBinary +
                          "' " + args + " 2>'" + err_file.string() + "'";
  Proc r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  std::error_code ec;
  std::filesystem::remove(err_file, ec);
  return r;
}

}  // namespace trainsite::testing
