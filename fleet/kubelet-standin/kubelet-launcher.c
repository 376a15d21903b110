/*
 * kubelet-launcher: installed as the kubelet binary, so it is the unit's MainPID and
 * /proc/PID/cmdline is exactly the argv systemd built.
 *
 * It runs `python3 kubelet.py ARGV0 ARGS...` (the start-up logic), and then:
 *   child exits 0   -> the kubelet is up: keep running until SIGTERM/SIGINT;
 *   child exits 125 -> the kubelet would quit successfully (--help, --version): exit 0;
 *   otherwise       -> exit with the child's status (1 on a signal), like a failed start.
 * On SIGTERM/SIGINT the real kubelet cancels its context and returns, exiting 0 (so
 * units with or without SuccessExitStatus=143 end "inactive (dead)"); this does the same,
 * after removing RUN_DIR/configz.json so no stale effective config survives the process.
 *
 * Test-only environment: KUBELET_STANDIN_SCRIPT (default /usr/lib/kubelet-standin/kubelet.py),
 * KUBELET_STANDIN_RUN_DIR (default /run/kubelet).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"
#define DEFAULT_SCRIPT "/usr/lib/kubelet-standin/kubelet.py"
#define DEFAULT_RUN_DIR "/run/kubelet"
#define EXIT_QUIT 125

static char configz[PATH_MAX];

static void remove_configz(void) {
  if (unlink(configz) != 0 && errno != ENOENT)
    fprintf(stderr, "kubelet stand-in: cannot remove %s: %s\n", configz, strerror(errno));
}

static void noop(int sig) { (void)sig; }

int main(int argc, char **argv) {
  const char *script = getenv("KUBELET_STANDIN_SCRIPT");
  const char *run_dir = getenv("KUBELET_STANDIN_RUN_DIR");
  if (script == NULL || *script == '\0') script = DEFAULT_SCRIPT;
  if (run_dir == NULL || *run_dir == '\0') run_dir = DEFAULT_RUN_DIR;
  if (snprintf(configz, sizeof configz, "%s/configz.json", run_dir) >= (int)sizeof configz) {
    fprintf(stderr, "kubelet stand-in: run dir path too long\n");
    return 1;
  }

  /* Signals are taken synchronously with sigwaitinfo, so none can slip in between checks.
   * SIGCHLD needs a handler: with SIG_DFL (ignore) Linux may discard it. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = noop;
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t waited, old;
  sigemptyset(&waited);
  sigaddset(&waited, SIGTERM);
  sigaddset(&waited, SIGINT);
  sigaddset(&waited, SIGCHLD);
  sigprocmask(SIG_BLOCK, &waited, &old);

  char **child_argv = calloc((size_t)argc + 6, sizeof(char *));
  if (child_argv == NULL) {
    perror("kubelet stand-in: calloc");
    return 1;
  }
  int n = 0;
  child_argv[n++] = PYTHON;
  child_argv[n++] = "-E"; /* ignore PYTHON* variables from the unit's environment */
  child_argv[n++] = "-s"; /* and the user site directory */
  child_argv[n++] = "-B"; /* and leave no __pycache__ next to the script */
  child_argv[n++] = (char *)script;
  for (int i = 0; i < argc; i++) child_argv[n++] = argv[i];
  child_argv[n] = NULL;

  pid_t child = fork();
  if (child < 0) {
    perror("kubelet stand-in: fork");
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    execv(PYTHON, child_argv);
    fprintf(stderr, "kubelet stand-in: cannot run %s: %s\n", PYTHON, strerror(errno));
    _exit(1);
  }

  int started = 0;
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      perror("kubelet stand-in: sigwaitinfo");
      return 1;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      if (!started) {
        /* a stop during start-up: the start-up must not write configz after we remove it */
        kill(child, SIGKILL);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
        }
      }
      remove_configz();
      return 0;
    }
    if (started) continue;
    int status;
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r != child) continue;
    if (WIFEXITED(status)) {
      int code = WEXITSTATUS(status);
      if (code == 0) {
        started = 1;
        continue;
      }
      return code == EXIT_QUIT ? 0 : code;
    }
    return 1;
  }
}
