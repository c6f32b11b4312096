/*
 * sh: Mica's shell. Runs programs with arguments (looked up in /bin when
 * the name has no slash), with "<", ">" and ">>" redirections, "|"
 * pipelines, "&&", "||" and ";" lists, "&" for the background, "$?" for the last status, quotes
 * ('...' and "..."), and the built-ins cd, pwd, exit and kill. Programs are
 * started with fork + exec; each pipeline in the foreground is the
 * console's foreground job, so ^C goes to every one of its programs, never
 * to the shell.
 *
 * Limits (docs/processes.md, "The shell"): a line (script or typed) is at
 * most SH_LINE_MAX bytes, its newline not counted: a longer one is refused
 * whole ("argument list too long", status 2), never split into two
 * commands. A program's arguments and environment must fit what proc's
 * spawn carries (PROC_ARGS_MAX) or the command is refused the same way
 * (status 126) before anything starts. A pipeline has at most
 * SH_PIPELINE_MAX stages (pipes and proc's table may allow fewer: then a
 * clean error, and the stages started are ended).
 *
 * Usage: sh (interactive on the console, or a script on stdin),
 *        sh -c "command line".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/console.h>
#include <sys/proc.h>

#define SH_LINE_MAX 65536     /* ARG_MAX: bytes of one line, newline not counted */
#define SH_TOKENS_MAX 4096    /* words and operators in one pipeline */
#define SH_PIPELINE_MAX 64    /* stages of one pipeline (proc's table: PROC_MAX) */
#define SH_STATUS_SYNTAX 2
#define SH_STATUS_CANNOT_RUN 126

static int last_status;

/* ---- words ---- */

enum tok { T_WORD, T_PIPE, T_IN, T_OUT, T_APPEND, T_AND, T_OR, T_SEMI, T_BG, T_END };
/* (T_AND, T_OR, T_SEMI and T_BG only join pipelines: run_line splits at them.) */

struct token {
    enum tok kind;
    char *word; /* T_WORD */
};

/* Splits line into tokens (words are copied into `store`); -1 after a
 * message when the line is malformed or too big. Nothing is dropped: a
 * line with more tokens than `max` is refused whole. */
static int tokenize(const char *line, struct token *toks, int max, char *store, size_t cap)
{
    int n = 0;
    size_t used = 0;
    const char *c = line;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\n')
            c++;
        if (!*c || *c == '#')
            break;
        if (n >= max - 1) {
            fprintf(stderr, "sh: too many words (more than %d): argument list too long\n",
                    max - 1);
            return -1;
        }
        struct token *t = &toks[n++];
        t->word = NULL;
        if (c[0] == '|' && c[1] == '|') { t->kind = T_OR; c += 2; continue; }
        if (c[0] == '&' && c[1] == '&') { t->kind = T_AND; c += 2; continue; }
        if (c[0] == '>' && c[1] == '>') { t->kind = T_APPEND; c += 2; continue; }
        if (*c == '|') { t->kind = T_PIPE; c++; continue; }
        if (*c == '<') { t->kind = T_IN; c++; continue; }
        if (*c == '>') { t->kind = T_OUT; c++; continue; }
        if (*c == ';') { t->kind = T_SEMI; c++; continue; }
        if (*c == '&') { t->kind = T_BG; c++; continue; } /* run_line split there */
        t->kind = T_WORD;
        t->word = store + used;
        char quote = 0;
        while (*c && (quote || !strchr(" \t\n|&<>;", *c))) {
            if (!quote && (*c == '\'' || *c == '"')) {
                quote = *c++;
                continue;
            }
            if (quote && *c == quote) {
                quote = 0;
                c++;
                continue;
            }
            if (*c == '$' && c[1] == '?' && quote != '\'') {
                char num[12];
                int len = snprintf(num, sizeof num, "%d", last_status);
                if (used + (size_t)len + 1 >= cap)
                    goto too_long;
                memcpy(store + used, num, (size_t)len);
                used += (size_t)len;
                c += 2;
                continue;
            }
            if (used + 2 >= cap)
                goto too_long;
            store[used++] = *c++;
        }
        if (quote) {
            fprintf(stderr, "sh: unterminated quote\n");
            return -1;
        }
        store[used++] = '\0';
    }
    toks[n].kind = T_END;
    return n;
too_long:
    fprintf(stderr, "sh: line too long: argument list too long\n");
    return -1;
}

/* ---- commands ---- */

struct command {
    char **argv; /* NULL-terminated, in the shared `words` array */
    int argc;
    const char *in, *out;
    bool append;
};

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "interrupted";
    case SIGKILL: return "killed";
    case SIGSEGV: return "segmentation fault";
    case SIGBUS: return "bus error";
    case SIGTERM: return "terminated";
    default: return "signal";
    }
}

static int status_of(int st)
{
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "sh: %s (signal %d)\n", signal_name(WTERMSIG(st)), WTERMSIG(st));
        return 128 + WTERMSIG(st);
    }
    return WEXITSTATUS(st);
}

/* In a child: redirections, then the program. Never returns. */
static void exec_command(const struct command *c)
{
    if (c->in) {
        int fd = open(c->in, O_RDONLY);
        if (fd < 0 || dup2(fd, 0) < 0) {
            fprintf(stderr, "sh: %s: %s\n", c->in, strerror(errno));
            _exit(1);
        }
        close(fd);
    }
    if (c->out) {
        int fd = open(c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC), 0644);
        if (fd < 0 || dup2(fd, 1) < 0) {
            fprintf(stderr, "sh: %s: %s\n", c->out, strerror(errno));
            _exit(1);
        }
        close(fd);
    }
    execvp(c->argv[0], c->argv);
    fprintf(stderr, "sh: %s: %s\n", c->argv[0],
            errno == ENOENT ? "not found"
            : errno == E2BIG ? "argument list too long"
                             : strerror(errno));
    _exit(errno == ENOENT ? 127 : SH_STATUS_CANNOT_RUN);
}

/* kill [-SIGNAL] PID...: a built-in, because proc lets a process signal
 * only its descendants: the shell is the parent of its jobs, /bin/kill
 * their sibling. */
static int builtin_kill(const struct command *c)
{
    int sig = SIGTERM, first = 1, status = 0;
    if (c->argc > 1 && c->argv[1][0] == '-') {
        const char *s = c->argv[1] + 1;
        sig = strcmp(s, "KILL") == 0   ? SIGKILL
              : strcmp(s, "INT") == 0  ? SIGINT
              : strcmp(s, "TERM") == 0 ? SIGTERM
                                       : atoi(s);
        first = 2;
    }
    if (first >= c->argc || sig <= 0) {
        fprintf(stderr, "usage: kill [-SIGNAL] PID...\n");
        return 2;
    }
    for (int i = first; i < c->argc; i++) {
        if (kill(atoi(c->argv[i]), sig) < 0) {
            fprintf(stderr, "kill: %s: %s\n", c->argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}

static int builtin_cd(const struct command *c)
{
    const char *dir = c->argc > 1 ? c->argv[1] : "/";
    if (chdir(dir) == 0)
        return 0;
    fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
    return 1;
}

static int builtin_pwd(const struct command *c)
{
    (void)c;
    char buf[1024];
    return getcwd(buf, sizeof buf) ? (printf("%s\n", buf), 0) : 1;
}

static int builtin_exit(const struct command *c)
{
    fflush(stdout);
    exit(c->argc > 1 ? atoi(c->argv[1]) : last_status);
}

/* The commands the shell runs itself, each named once. */
static const struct {
    const char *name;
    int (*run)(const struct command *c);
} builtins[] = {
    {"cd", builtin_cd}, {"pwd", builtin_pwd}, {"exit", builtin_exit}, {"kill", builtin_kill},
};

static int builtin_index(const struct command *c)
{
    for (int i = 0; i < (int)(sizeof builtins / sizeof builtins[0]); i++)
        if (strcmp(c->argv[0], builtins[i].name) == 0)
            return i;
    return -1;
}

static bool is_builtin(const struct command *c)
{
    return builtin_index(c) >= 0;
}

/* Runs c if it is a builtin (*status: its status). */
static bool builtin(const struct command *c, int *status)
{
    int i = builtin_index(c);
    if (i < 0)
        return false;
    *status = builtins[i].run(c);
    return true;
}

/* Would proc's spawn carry this program's path, arguments and environment
 * (PROC_ARGS_MAX)? The path counted is the name as typed, which the
 * search only lengthens: a command refused here would be refused by exec
 * too; one that passes here but not there is refused by exec
 * (exec_command says so the same way). */
static bool args_fit(const struct command *c)
{
    extern char **environ;
    size_t len = strlen(c->argv[0]) + 1;
    for (int i = 0; i < c->argc; i++)
        len += strlen(c->argv[i]) + 1;
    for (char **e = environ; e && *e; e++)
        len += strlen(*e) + 1;
    return len <= PROC_ARGS_MAX;
}

/* Ends the stages of a pipeline that could not be built whole, and reaps
 * them: nothing of it is left running. */
static void end_stages(const pid_t *pids, int n)
{
    for (int i = 0; i < n; i++)
        (void)kill(pids[i], SIGKILL);
    for (int i = 0; i < n; i++)
        (void)waitpid(pids[i], NULL, 0);
}

/* Runs a pipeline of n commands; returns its status (the last one's), or
 * 0 at once when it runs in the background. In the foreground its
 * processes are the console's foreground job while the shell waits: ^C
 * sends SIGINT to each of them. (A shell that may not set the job, one in
 * the background, runs its pipelines without.) */
static int run_pipeline(struct command *cmds, int n, bool background)
{
    int status = 0;
    if (n == 1 && !background && !cmds[0].in && !cmds[0].out && builtin(&cmds[0], &status))
        return status;
    for (int i = 0; i < n; i++) {
        if (!is_builtin(&cmds[i]) && !args_fit(&cmds[i])) {
            fprintf(stderr, "sh: %s: argument list too long\n", cmds[i].argv[0]);
            return SH_STATUS_CANNOT_RUN;
        }
    }
    fflush(stdout);
    static pid_t pids[SH_PIPELINE_MAX];
    int prev_read = -1;
    for (int i = 0; i < n; i++) {
        int fds[2] = {-1, -1};
        if (i + 1 < n && pipe(fds) < 0) {
            fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
            goto undo;
        }
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "sh: fork: %s\n", strerror(errno));
            if (fds[0] >= 0) {
                close(fds[0]);
                close(fds[1]);
            }
            goto undo;
        }
        if (pid == 0) {
            if (prev_read >= 0) {
                dup2(prev_read, 0);
                close(prev_read);
            }
            if (fds[1] >= 0) {
                dup2(fds[1], 1);
                close(fds[0]);
                close(fds[1]);
            }
            int st;
            if (builtin(&cmds[i], &st))
                _exit(st);
            exec_command(&cmds[i]);
        }
        pids[i] = pid;
        if (prev_read >= 0)
            close(prev_read);
        if (fds[1] >= 0)
            close(fds[1]);
        prev_read = fds[0];
        continue;
    undo:
        if (prev_read >= 0)
            close(prev_read);
        end_stages(pids, i);
        return 1;
    }
    if (background) {
        printf("[%d]\n", (int)pids[n - 1]);
        return 0;
    }
    uint64_t job[SH_PIPELINE_MAX];
    for (int i = 0; i < n; i++)
        job[i] = (uint64_t)pids[i];
    bool foreground = console_set_job(CONSOLE_SLOT, job, (uint64_t)n) == 0;
    for (int i = 0; i < n; i++) {
        int st = 0;
        if (waitpid(pids[i], &st, 0) == pids[i] && i == n - 1)
            status = status_of(st);
    }
    if (foreground)
        (void)console_end_job(CONSOLE_SLOT);
    return status;
}

/* Parses and runs one pipeline (no &&, || or ; in it). */
static int run_segment(const char *segment, bool background)
{
    /* Static: a line may be SH_LINE_MAX bytes; "$?" can grow a word by a
     * third and every word gains a NUL, so twice the line always fits. */
    static char store[SH_LINE_MAX * 2 + 16];
    static struct token toks[SH_TOKENS_MAX];
    static char *words[SH_TOKENS_MAX + SH_PIPELINE_MAX];
    static struct command cmds[SH_PIPELINE_MAX];
    int ntok = tokenize(segment, toks, SH_TOKENS_MAX, store, sizeof store);
    if (ntok < 0)
        return SH_STATUS_SYNTAX;
    if (ntok == 0)
        return last_status;
    int ncmd = 0, nwords = 0;
    memset(&cmds[0], 0, sizeof cmds[0]);
    cmds[0].argv = &words[0];
    for (int i = 0; i < ntok; i++) {
        struct token *t = &toks[i];
        struct command *c = &cmds[ncmd];
        switch (t->kind) {
        case T_WORD:
            c->argv[c->argc++] = t->word;
            nwords++;
            break;
        case T_IN:
        case T_OUT:
        case T_APPEND:
            if (toks[i + 1].kind != T_WORD) {
                fprintf(stderr, "sh: a file name must follow the redirection\n");
                return SH_STATUS_SYNTAX;
            }
            if (t->kind == T_IN)
                c->in = toks[i + 1].word;
            else
                c->out = toks[i + 1].word;
            c->append = t->kind == T_APPEND;
            i++;
            break;
        case T_PIPE:
            if (c->argc == 0) {
                fprintf(stderr, "sh: syntax error near '|'\n");
                return SH_STATUS_SYNTAX;
            }
            if (ncmd + 1 >= SH_PIPELINE_MAX) {
                fprintf(stderr, "sh: more than %d commands in a pipeline\n", SH_PIPELINE_MAX);
                return SH_STATUS_SYNTAX;
            }
            c->argv[c->argc] = NULL;
            nwords++; /* the NULL */
            ncmd++;
            memset(&cmds[ncmd], 0, sizeof cmds[ncmd]);
            cmds[ncmd].argv = &words[nwords];
            break;
        default:
            fprintf(stderr, "sh: syntax error\n");
            return SH_STATUS_SYNTAX;
        }
    }
    if (cmds[ncmd].argc == 0) {
        fprintf(stderr, "sh: syntax error: a command is missing\n");
        return SH_STATUS_SYNTAX;
    }
    cmds[ncmd].argv[cmds[ncmd].argc] = NULL;
    return run_pipeline(cmds, ncmd + 1, background);
}

static void line_too_long(void)
{
    fprintf(stderr, "sh: line longer than %d bytes: argument list too long\n", SH_LINE_MAX);
    last_status = SH_STATUS_SYNTAX;
}

/* Runs one line: pipelines joined by &&, || and ; (split outside quotes
 * first, so each pipeline's $? is the status of the one before). */
static void run_line(const char *line)
{
    static char segment[SH_LINE_MAX + 2]; /* the line, its newline, NUL */
    if (strlen(line) > SH_LINE_MAX + 1) { /* (+1: its newline) */
        line_too_long();
        return;
    }
    enum tok joiner = T_SEMI;
    const char *c = line;
    while (*c) {
        size_t n = 0;
        char quote = 0;
        enum tok next = T_END;
        for (; *c; c++) {
            if (!quote && (*c == '\'' || *c == '"'))
                quote = *c;
            else if (quote && *c == quote)
                quote = 0;
            else if (!quote && c[0] == '&' && c[1] == '&')
                { next = T_AND; c += 2; break; }
            else if (!quote && c[0] == '|' && c[1] == '|')
                { next = T_OR; c += 2; break; }
            else if (!quote && *c == ';')
                { next = T_SEMI; c++; break; }
            else if (!quote && *c == '&')
                { next = T_BG; c++; break; }
            segment[n++] = *c; /* fits: the line does */
        }
        segment[n] = '\0';
        bool run = joiner == T_SEMI || (joiner == T_AND && last_status == 0) ||
                   (joiner == T_OR && last_status != 0);
        if (run)
            last_status = run_segment(segment, next == T_BG);
        joiner = next == T_BG ? T_SEMI : next;
    }
}

/* Reads the next line into line (SH_LINE_MAX + 2 bytes). A longer line is
 * read to its end and refused whole: false with *too_long. False alone
 * at the end of the input. */
static bool read_line(char *line, size_t cap, bool *too_long)
{
    *too_long = false;
    if (!fgets(line, (int)cap, stdin))
        return false;
    size_t len = strlen(line);
    if (len < cap - 1 || line[len - 1] == '\n')
        return true;
    /* cap - 1 bytes and no newline: more than SH_LINE_MAX before it. The
     * rest of the line goes too, unread by anyone: none of it runs. */
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n')
        ;
    *too_long = true;
    return false;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
        run_line(argv[2]);
        return last_status;
    }
    bool interactive = isatty(0);
    /* A line, its newline and the NUL. */
    static char line[SH_LINE_MAX + 2];
    for (;;) {
        /* Background jobs that ended since the last prompt. */
        int st;
        pid_t done;
        while ((done = waitpid(-1, &st, WNOHANG)) > 0)
            printf("[%d] done, status %d\n", (int)done, status_of(st));
        if (interactive) {
            printf("mica$ ");
            fflush(stdout);
        }
        bool too_long;
        if (read_line(line, sizeof line, &too_long))
            run_line(line);
        else if (too_long)
            line_too_long();
        else
            break;
    }
    if (interactive)
        printf("\n");
    return last_status;
}
