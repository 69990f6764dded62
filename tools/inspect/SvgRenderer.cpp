// SvgRenderer.cpp: spawns Graphviz without a shell, so no path needs quoting.
#include "tools/inspect/SvgRenderer.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

extern char** environ;

namespace kiln::cli {
namespace {

Error svg_error(const std::string& svg_path, const std::string& message) {
  return Error{svg_path, "", message};
}

/// Writes everything, retrying short writes; false when the reader went away.
bool write_all(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Status render_svg(const std::string& dot_text, const std::string& svg_path) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return svg_error(svg_path, "cannot create a pipe to Graphviz");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);

  std::vector<std::string> args = {"dot", "-Tsvg", "-o", svg_path};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawn_error = posix_spawnp(&pid, "dot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[0]);
  if (spawn_error != 0) {
    close(pipe_fds[1]);
    return svg_error(svg_path, "cannot run Graphviz 'dot' (" + std::string(strerror(spawn_error)) +
                                   "); install Graphviz or use --format dot");
  }
  // A dot that dies early must give an error, not kill kiln with SIGPIPE.
  auto previous_handler = std::signal(SIGPIPE, SIG_IGN);
  bool sent = write_all(pipe_fds[1], dot_text);
  close(pipe_fds[1]);
  std::signal(SIGPIPE, previous_handler);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return svg_error(svg_path, "lost track of the Graphviz 'dot' process");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !sent) {
    return svg_error(svg_path, "Graphviz 'dot' failed to render the SVG");
  }
  return Status::ok();
}

}  // namespace kiln::cli
