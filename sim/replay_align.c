/* `ringside replay --align` (replay_align.h): the comparison is not written twice. The
 * replay records its own run to a scratch trace and hands both files to the trace
 * tools' alignment (trace/rt_diff.py), which knows what only follows from time moving
 * (deadlines, state hashes), folds register accesses into the virtio event they carry
 * and compares the console as lines. */
#include "replay_align.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The path of ringside-trace into buf: $RINGSIDE_TRACE, or beside /proc/self/exe
 * (installed: bin/ringside-trace; build tree: trace/ringside-trace). */
static int find_tool(char *buf, size_t n, Err *err)
{
    const char *env = getenv("RINGSIDE_TRACE");
    if (env && *env) {
        if (strlen(env) >= n)
            return err_set(err, "$RINGSIDE_TRACE is too long");
        strcpy(buf, env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return err_set(err, "cannot find this executable (/proc/self/exe): %s", strerror(errno));
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    static const char *const beside[] = { "ringside-trace", "trace/ringside-trace" };
    for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
        int k = snprintf(buf, n, "%s/%s", exe, beside[i]);
        if (k > 0 && (size_t)k < n && access(buf, X_OK) == 0)
            return 0;
    }
    return err_set(err, "no ringside-trace beside %s (set $RINGSIDE_TRACE to it)", exe);
}

int replay_align_report(const char *recording, const char *run, const char *ignore, Err *err)
{
    char tool[PATH_MAX];
    if (find_tool(tool, sizeof tool, err) != 0)
        return -1;
    const char *argv[10];
    int k = 0;
    argv[k++] = tool;
    argv[k++] = "diff";
    argv[k++] = "--align";
    argv[k++] = "--no-header";
    if (ignore) {
        argv[k++] = "--ignore";
        argv[k++] = ignore;
    }
    argv[k++] = recording;
    argv[k++] = run;
    argv[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return err_set(err, "cannot start %s: %s", tool, strerror(errno));
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);   /* the report goes where replay's goes */
        execv(tool, (char *const *)argv);
        fprintf(stderr, "ringside replay: cannot run %s: %s\n", tool, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return err_set(err, "waiting for %s: %s", tool, strerror(errno));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
        return err_set(err, "%s diff --align failed (status %d)", tool,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return WEXITSTATUS(status);
}
