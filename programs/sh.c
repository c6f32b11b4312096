/*
 * sh: Mica's shell. Runs programs with arguments (looked up in /bin when
 * the name has no slash), with "<", ">" and ">>" redirections, "|"
 * pipelines, "&&", "||" and ";" lists, "&" for the background, "$?" for the last status, quotes
 * ('...' and "..."), and the built-ins cd, pwd and exit. Programs are
 * started with fork + exec; the console's ^C goes to the program in the
 * foreground, never to the shell.
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

#define LINE_MAX 1024
#define MAX_WORDS 64
#define MAX_CMDS 8

static int last_status;

/* ---- words ---- */

enum tok { T_WORD, T_PIPE, T_IN, T_OUT, T_APPEND, T_AND, T_OR, T_SEMI, T_BG, T_END };
/* (T_AND, T_OR, T_SEMI and T_BG only join pipelines: run_line splits at them.) */

struct token {
    enum tok kind;
    char *word; /* T_WORD */
};

/* Splits line into tokens in place (words are copied into `store`). */
static int tokenize(const char *line, struct token *toks, int max, char *store, size_t cap)
{
    int n = 0;
    size_t used = 0;
    const char *c = line;
    while (n < max - 1) {
        while (*c == ' ' || *c == '\t' || *c == '\n')
            c++;
        if (!*c || *c == '#')
            break;
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
                    return -1;
                memcpy(store + used, num, (size_t)len);
                used += (size_t)len;
                c += 2;
                continue;
            }
            if (used + 2 >= cap)
                return -1;
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
}

/* ---- commands ---- */

struct command {
    char *argv[MAX_WORDS + 1];
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
    fprintf(stderr, "sh: %s: %s\n", c->argv[0], errno == ENOENT ? "not found" : strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

static bool builtin(const struct command *c, int *status)
{
    const char *name = c->argv[0];
    if (strcmp(name, "cd") == 0) {
        const char *dir = c->argc > 1 ? c->argv[1] : "/";
        *status = chdir(dir) == 0 ? 0 : 1;
        if (*status)
            fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
        return true;
    }
    if (strcmp(name, "pwd") == 0) {
        char buf[1024];
        *status = getcwd(buf, sizeof buf) ? (printf("%s\n", buf), 0) : 1;
        return true;
    }
    if (strcmp(name, "exit") == 0) {
        fflush(stdout);
        exit(c->argc > 1 ? atoi(c->argv[1]) : last_status);
    }
    return false;
}

/* Runs a pipeline of n commands; returns its status (the last one's), or
 * 0 at once when it runs in the background. */
static int run_pipeline(struct command *cmds, int n, bool background)
{
    int status = 0;
    if (n == 1 && !background && !cmds[0].in && !cmds[0].out && builtin(&cmds[0], &status))
        return status;
    fflush(stdout);
    pid_t pids[MAX_CMDS];
    int prev_read = -1;
    for (int i = 0; i < n; i++) {
        int fds[2] = {-1, -1};
        if (i + 1 < n && pipe(fds) < 0) {
            fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
            return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "sh: fork: %s\n", strerror(errno));
            return 1;
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
    }
    if (background) {
        printf("[%d]\n", (int)pids[n - 1]);
        return 0;
    }
    (void)console_set_foreground(CONSOLE_SLOT, (uint64_t)pids[n - 1]);
    for (int i = 0; i < n; i++) {
        int st = 0;
        if (waitpid(pids[i], &st, 0) == pids[i] && i == n - 1)
            status = status_of(st);
    }
    (void)console_set_foreground(CONSOLE_SLOT, 0);
    return status;
}

/* Parses and runs one pipeline (no &&, || or ; in it). */
static int run_segment(const char *segment, bool background)
{
    static char store[LINE_MAX * 2];
    struct token toks[MAX_WORDS * 2];
    int ntok = tokenize(segment, toks, MAX_WORDS * 2, store, sizeof store);
    if (ntok < 0)
        return 2;
    if (ntok == 0)
        return last_status;
    struct command cmds[MAX_CMDS];
    int ncmd = 0;
    memset(&cmds[0], 0, sizeof cmds[0]);
    for (int i = 0; i < ntok; i++) {
        struct token *t = &toks[i];
        struct command *c = &cmds[ncmd];
        switch (t->kind) {
        case T_WORD:
            if (c->argc >= MAX_WORDS) {
                fprintf(stderr, "sh: too many words\n");
                return 2;
            }
            c->argv[c->argc++] = t->word;
            break;
        case T_IN:
        case T_OUT:
        case T_APPEND:
            if (toks[i + 1].kind != T_WORD) {
                fprintf(stderr, "sh: a file name must follow the redirection\n");
                return 2;
            }
            if (t->kind == T_IN)
                c->in = toks[i + 1].word;
            else
                c->out = toks[i + 1].word;
            c->append = t->kind == T_APPEND;
            i++;
            break;
        case T_PIPE:
            if (c->argc == 0 || ncmd + 1 >= MAX_CMDS) {
                fprintf(stderr, "sh: syntax error near '|'\n");
                return 2;
            }
            ncmd++;
            memset(&cmds[ncmd], 0, sizeof cmds[ncmd]);
            break;
        default:
            fprintf(stderr, "sh: syntax error\n");
            return 2;
        }
    }
    if (cmds[ncmd].argc == 0) {
        fprintf(stderr, "sh: syntax error: a command is missing\n");
        return 2;
    }
    for (int k = 0; k <= ncmd; k++)
        cmds[k].argv[cmds[k].argc] = NULL;
    return run_pipeline(cmds, ncmd + 1, background);
}

/* Runs one line: pipelines joined by &&, || and ; (split outside quotes
 * first, so each pipeline's $? is the status of the one before). */
static void run_line(const char *line)
{
    char segment[LINE_MAX];
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
            if (n + 1 < sizeof segment)
                segment[n++] = *c;
        }
        segment[n] = '\0';
        bool run = joiner == T_SEMI || (joiner == T_AND && last_status == 0) ||
                   (joiner == T_OR && last_status != 0);
        if (run)
            last_status = run_segment(segment, next == T_BG);
        joiner = next == T_BG ? T_SEMI : next;
    }
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
        run_line(argv[2]);
        return last_status;
    }
    bool interactive = isatty(0);
    char line[LINE_MAX];
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
        if (!fgets(line, sizeof line, stdin))
            break;
        run_line(line);
    }
    if (interactive)
        printf("\n");
    return last_status;
}
