/* conv_cases.c - see conv_cases.h */
#include "conv_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t unescape(const char *s, char *out)
{
    size_t n = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\' || !s[i + 1]) {
            out[n++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c == 'n')
            out[n++] = '\n';
        else if (c == 't')
            out[n++] = '\t';
        else if (c == 'x' && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[n++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else
            out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

int conv_cases_read(const char *name, conv_case **out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CONV_CASES_DIR, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    conv_case *cases = NULL;
    int n = 0, cap = 0, line = 0;
    char buf[70000];
    while (fgets(buf, sizeof buf, fp)) {
        line++;
        size_t len = strlen(buf);
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len == 0 || buf[0] == '#')
            continue;
        char *tab = strrchr(buf, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            conv_case *p = realloc(cases, (size_t)cap * sizeof *p);
            if (!p)
                break;
            cases = p;
        }
        conv_case *c = &cases[n];
        c->line = line;
        c->input = malloc(strlen(buf) + 1);
        c->expected = malloc(strlen(tab + 1) + 1);
        if (!c->input || !c->expected) {
            free(c->input);
            free(c->expected);
            break;
        }
        c->input_len = unescape(buf, c->input);
        strcpy(c->expected, tab + 1);
        n++;
    }
    fclose(fp);
    *out = cases;
    return n;
}

void conv_cases_free(conv_case *cases, int n)
{
    for (int i = 0; i < n; i++) {
        free(cases[i].input);
        free(cases[i].expected);
    }
    free(cases);
}

conv_tables *conv_cases_tables(void)
{
    conv_tables *t = NULL;
    edx_diags d;
    edx_diags_init(&d);
    int rc = conv_tables_load(getenv("EDX_TEMPLATE_DIR"), &d, &t);
    for (size_t i = 0; i < d.count; i++)
        fprintf(stderr, "tables: %s %s\n", d.items[i].code, d.items[i].message);
    edx_diags_free(&d);
    return rc == EDX_OK ? t : NULL;
}

static const char *match_name(conv_match m)
{
    switch (m) {
    case CONV_MATCH_EXACT: return "exact";
    case CONV_MATCH_PREFIX: return "prefix";
    case CONV_MATCH_AMBIGUOUS: return "ambiguous";
    case CONV_MATCH_NONE: break;
    }
    return "none";
}

void conv_cases_describe_label(const conv_label *l, char *buf, size_t size)
{
    int n = snprintf(buf, size, "kind=%s", conv_kind_name(l->kind));
    if (n < 0 || (size_t)n >= size)
        return;
    if (l->side)
        n += snprintf(buf + n, size - (size_t)n, " side=%s", conv_side_name(l->side));
    if (l->muscle)
        n += snprintf(buf + n, size - (size_t)n, " muscle=\"%s\" match=%s", l->muscle->name,
                      match_name(l->muscle_match));
    if (l->recording_site[0] && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " recording_site=%s", l->recording_site);
    if (l->warning.code && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " warning=%s", l->warning.code);
}

void conv_cases_describe_testcode(const conv_testcode *c, char *buf, size_t size)
{
    if (!c->found) {
        snprintf(buf, size, "none");
        return;
    }
    int n = snprintf(buf, size, "test=%s", conv_test_name(c->test));
    if (n < 0 || (size_t)n >= size)
        return;
    if (c->side)
        n += snprintf(buf + n, size - (size_t)n, " side=%s", conv_side_name(c->side));
    if (c->nerve[0] && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " nerve=\"%s\"", c->nerve);
    if (c->warning.code && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " warning=%s", c->warning.code);
}
