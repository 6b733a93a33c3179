/*
 * config.c - templates/report.ini: paper size, institution, logo, sign-off
 * line, font folder (man/edxreport-report.ini.5).
 *
 *   [page]         size = A4 | Letter
 *   [institution]  name, address (up to 3 lines, one key each), logo (PNG,
 *                  relative to the ini file's folder)
 *   [report]       title, signoff
 *   [fonts]        dir (holds DejaVuSans.ttf, DejaVuSans-Bold.ttf, DejaVuSansMono.ttf)
 *
 * '#' and ';' start comment lines; keys and section names ignore case.
 * Unknown keys are warnings (a newer file still loads); a line that is not
 * a section, a key = value or a comment is an error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/rpt_internal.h"

enum { INI_MAX_BYTES = 64 * 1024 };

static void set_defaults(rpt_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->paper, sizeof c->paper, "A4");
    snprintf(c->title, sizeof c->title, "Nerve conduction and needle EMG report");
    snprintf(c->signoff, sizeof c->signoff,
             "Reviewed, interpreted and signed by: ________________________________   "
             "Date: ______________");
    snprintf(c->font_dir, sizeof c->font_dir, "/usr/share/fonts/truetype/dejavu");
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* The folder part of path ("." when there is none). */
static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else
        snprintf(out, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

static int set_value(rpt_config *c, const char *dir, const char *sec, const char *key,
                     const char *val, int line, const char *path, edx_diags *d)
{
    char where[32];
    snprintf(where, sizeof where, "line %d", line);
    if (!strcasecmp(sec, "page") && !strcasecmp(key, "size")) {
        if (strcasecmp(val, "A4") && strcasecmp(val, "Letter")) {
            edx_diag_add(d, EDX_SEV_ERROR, "RPT-CONFIG-VALUE", EDX_LOC_FIELD(where, -1),
                         "%s:%d: size must be A4 or Letter", path, line);
            return EDX_ERR_CONFIG;
        }
        snprintf(c->paper, sizeof c->paper, "%s", toupper((unsigned char)val[0]) == 'A' ? "A4" : "Letter");
    } else if (!strcasecmp(sec, "institution") && !strcasecmp(key, "name")) {
        snprintf(c->institution, sizeof c->institution, "%s", val);
    } else if (!strcasecmp(sec, "institution") && !strcasecmp(key, "address")) {
        if (c->n_address < RPT_ADDRESS_LINES)
            snprintf(c->address[c->n_address++], sizeof c->address[0], "%s", val);
        else
            edx_diag_add(d, EDX_SEV_WARNING, "RPT-CONFIG-ADDRESS", EDX_LOC_FIELD(where, -1),
                         "%s:%d: more than %d address lines; this one is not printed", path,
                         line, RPT_ADDRESS_LINES);
    } else if (!strcasecmp(sec, "institution") && !strcasecmp(key, "logo")) {
        if (val[0] == '\0' || val[0] == '/')
            snprintf(c->logo_path, sizeof c->logo_path, "%s", val);
        else
            snprintf(c->logo_path, sizeof c->logo_path, "%s/%s", dir, val);
    } else if (!strcasecmp(sec, "report") && !strcasecmp(key, "title")) {
        snprintf(c->title, sizeof c->title, "%s", val);
    } else if (!strcasecmp(sec, "report") && !strcasecmp(key, "signoff")) {
        snprintf(c->signoff, sizeof c->signoff, "%s", val);
    } else if (!strcasecmp(sec, "fonts") && !strcasecmp(key, "dir")) {
        snprintf(c->font_dir, sizeof c->font_dir, "%s", val);
    } else {
        edx_diag_add(d, EDX_SEV_WARNING, "RPT-CONFIG-UNKNOWN", EDX_LOC_FIELD(where, -1),
                     "%s:%d: unknown key '%s' in [%s]", path, line, key, sec);
    }
    return EDX_OK;
}

static int parse(rpt_config *c, char *text, const char *path, edx_diags *d)
{
    char dir[4096], sec[64] = "";
    dir_of(path, dir, sizeof dir);
    int line = 0;
    for (char *ln = text, *next; ln; ln = next) {
        next = strchr(ln, '\n');
        if (next)
            *next++ = '\0';
        line++;
        char *s = trim(ln);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        char *eq = strchr(s, '=');
        if (*s == '[' && s[strlen(s) - 1] == ']') {
            snprintf(sec, sizeof sec, "%.*s", (int)(strlen(s) - 2), s + 1);
            continue;
        }
        if (!eq) {
            edx_diag_add(d, EDX_SEV_ERROR, "RPT-CONFIG-SYNTAX", EDX_LOC_NONE,
                         "%s:%d: expected [section] or key = value", path, line);
            return EDX_ERR_CONFIG;
        }
        *eq = '\0';
        int rc = set_value(c, dir, sec, trim(s), trim(eq + 1), line, path, d);
        if (rc != EDX_OK)
            return rc;
    }
    return EDX_OK;
}

int rpt_config_load(const char *path, edx_diags *d, rpt_config **out)
{
    char buf[4096 + 16];
    if (!out)
        return EDX_ERR_INVALID;
    *out = NULL;
    if (!path) {
        char dir[4096];
        if (edx_find_template_dir(dir, sizeof dir) != EDX_OK) {
            edx_diag_add(d, EDX_SEV_ERROR, "RPT-CONFIG-MISSING", EDX_LOC_NONE,
                         "no template folder found for report.ini");
            return EDX_ERR_NOT_FOUND;
        }
        snprintf(buf, sizeof buf, "%s/report.ini", dir);
        path = buf;
    }
    char *text = NULL;
    size_t size = 0;
    int rc = edx_read_small_file(path, INI_MAX_BYTES, &text, &size);
    if (rc != EDX_OK) {
        edx_diag_add(d, EDX_SEV_ERROR, "RPT-CONFIG-MISSING", EDX_LOC_NONE,
                     "%s: cannot be read (%s)", path, edx_strerror(rc));
        return rc == EDX_ERR_RANGE ? EDX_ERR_CONFIG : rc;
    }
    rpt_config *c = malloc(sizeof *c);
    if (!c) {
        free(text);
        return EDX_ERR_NOMEM;
    }
    set_defaults(c);
    rc = parse(c, text, path, d);
    free(text);
    if (rc != EDX_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return EDX_OK;
}

void rpt_config_free(rpt_config *c)
{
    free(c);
}
