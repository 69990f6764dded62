// ToolRunner.cpp: fork/exec of build tools with their output captured for error messages.
#include "backends/halide/ToolRunner.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace kiln {

Status run_tool(const std::vector<std::string>& argv) {
  std::string command;
  for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
  char log_template[] = "/tmp/kiln-tool-XXXXXX";
  int log_fd = mkstemp(log_template);
  if (log_fd < 0) return make_error("cannot create a temporary file for: " + command);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawn_error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(log_fd);

  std::ifstream log(log_template);
  std::stringstream output;
  int exit_status = 0;
  if (spawn_error == 0) {
    waitpid(pid, &exit_status, 0);
    output << log.rdbuf();
  }
  std::filesystem::remove(log_template);
  if (spawn_error != 0) return make_error("cannot run '" + argv[0] + "' (is it installed?)");
  if (!WIFEXITED(exit_status) || WEXITSTATUS(exit_status) != 0)
    return make_error("command failed: " + command + "\n" + output.str());
  return Status::ok();
}

}  // namespace kiln
