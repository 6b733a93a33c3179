/*
 * emg_sfap.c - single muscle fibre action potentials seen by a needle.
 *
 * Line-source model (Nandedkar SD, Stalberg E. Simulation of single muscle
 * fibre action potentials. Med Biol Eng Comput 1983;21:158-165; used for a
 * clinical EMG simulator by Hamilton-Wright A, Stashuk DW. Physiologically
 * based simulation of clinical EMG signals. IEEE TBME 2005;52:171-183):
 *
 *   intracellular AP   V(s) = 96 s^3 e^-s - 90 mV, s in mm behind the front
 *                      (Rosenfalck P. Acta Physiol Scand Suppl 1969;321)
 *   membrane current   i(z) = sigma_i pi a^2 d2V/dz2 per unit length
 *   potential          phi = a^2 sigma_i / (4 sigma_r) *
 *                            integral d2V/dz2 / sqrt(K r^2 + (z - z0)^2) dz
 *   conductivities     sigma_i 1.01 S/m, sigma_r 0.063 S/m, sigma_z 0.33 S/m,
 *                      K = sigma_z / sigma_r (values used by Nandedkar &
 *                      Stalberg 1983 after Andreassen & Rosenfalck 1981)
 *
 * The AP starts at the end plate and runs both ways to the fibre ends
 * (tendons), where it stops. Starting and stopping add point sources where
 * the axial current begins and ends (the kink at the end plate, the sealed
 * fibre end), which keep the total membrane current zero.
 *
 * Computation. On an axial grid ds, one half fibre from end-plate position m
 * with length J responds at propagated distance k as
 *     H[k] = F[m + k] + I_m[k] (k <= S) + E_{m+J}[k - J] (J < k <= J + S)
 * where F is the response of an infinitely long fibre (one convolution per
 * radial distance), I_m the initiation correction (the part of the wave not
 * yet born, plus the end-plate source) and E_e the termination correction
 * (the part already past the end, plus the end source); S covers the 15 mm
 * of the AP profile. F is computed once per radial bin, I and E once per
 * position they are asked for; all of it lives in the cache of one render
 * call. A fibre of velocity v is the same spatial waveform swept at x = v t,
 * so it is sampled from the x grid onto the oversampled time grid.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/emg_internal.h"

#define SIGMA_I_S_M 1.01
#define SIGMA_R_S_M 0.063
#define SIGMA_Z_S_M 0.33
#define AP_SPAN_MM 15.0 /* the Rosenfalck profile is < 0.2 % of its peak beyond */

static double rosenfalck_d2(double s) /* f''(s), mV/mm^2 */
{
    return s <= 0 ? 0.0 : 96.0 * exp(-s) * (6.0 * s - 6.0 * s * s + s * s * s);
}

/* Conduction velocity from diameter: linear over the fibre diameters of
 * Hamilton-Wright & Stashuk's simulator (25-85 um) onto 3-5 m/s [E];
 * atrophic fibres (myopathy) go down to 2.5 m/s, hypertrophic ones stop at
 * 5 m/s. */
double emg_cv_for_diameter(double diam_um)
{
    double v = 3.0 + 2.0 * (diam_um - 25.0) / 60.0;
    return v < 2.5 ? 2.5 : v > 5.0 ? 5.0 : v;
}

static int bin_of(double r_mm)
{
    if (r_mm <= EMG_R_MIN_MM)
        return 0;
    int b = (int)floor(log(r_mm / EMG_R_MIN_MM) / log(EMG_R_RATIO) + 0.5);
    return b >= EMG_R_BINS ? EMG_R_BINS - 1 : b;
}

static void rbin_free(emg_rbin *b)
{
    size_t npos = b->n_half ? (size_t)(2 * b->n_half + 1) : 0;
    for (size_t i = 0; b->init && i < npos; i++)
        free(b->init[i]);
    for (size_t i = 0; b->term && i < npos; i++)
        free(b->term[i]);
    free(b->init);
    free(b->term);
    free(b->g);
    free(b->fp);
    free(b->h);
    free(b->full);
    memset(b, 0, sizeof *b);
}

void emg_sfap_cache_free(emg_sfap_cache *c)
{
    for (int i = 0; i < EMG_R_BINS; i++)
        rbin_free(&c->bin[i]);
}

static inline double h_at(const emg_rbin *b, int pos)
{
    return b->h[pos + b->n_half + b->s_len];
}

/* Fills the profile, weights and infinite-fibre response of bin i. */
static int rbin_ready(emg_rbin *b, int i)
{
    if (b->full)
        return EDX_OK;
    b->r_mm = EMG_R_MIN_MM * pow(EMG_R_RATIO, i);
    double ds = 0.35 * b->r_mm; /* resolves 1/sqrt(K r^2 + x^2) [E] */
    b->ds_mm = ds < 0.04 ? 0.04 : ds > 0.5 ? 0.5 : ds;
    b->s_len = (int)ceil(AP_SPAN_MM / b->ds_mm) + 1;
    b->n_half = (int)ceil(EMG_X_MAX_MM / b->ds_mm);
    size_t npos = (size_t)(2 * b->n_half + 1);
    size_t nh = (size_t)(2 * (b->n_half + b->s_len) + 1);
    b->g = malloc((size_t)b->s_len * sizeof *b->g);
    b->fp = malloc((size_t)b->s_len * sizeof *b->fp);
    b->h = malloc(nh * sizeof *b->h);
    b->full = malloc(npos * sizeof *b->full);
    b->init = calloc(npos, sizeof *b->init);
    b->term = calloc(npos, sizeof *b->term);
    if (!b->g || !b->fp || !b->h || !b->full || !b->init || !b->term) {
        rbin_free(b);
        return EDX_ERR_NOMEM;
    }
    /* fp is the running sum of g (the discrete f'), so that the point
     * sources balance the discrete line source exactly: the total membrane
     * current stays zero at every step, on any grid. */
    double cum = 0;
    for (int p = 0; p < b->s_len; p++) {
        b->g[p] = rosenfalck_d2(p * b->ds_mm);
        cum += b->ds_mm * b->g[p];
        b->fp[p] = cum;
    }
    double kr2 = SIGMA_Z_S_M / SIGMA_R_S_M * b->r_mm * b->r_mm;
    for (size_t j = 0; j < nh; j++) {
        double x = ((double)j - b->n_half - b->s_len) * b->ds_mm;
        b->h[j] = 1.0 / sqrt(kr2 + x * x);
    }
    for (int n = -b->n_half; n <= b->n_half; n++) {
        double acc = 0;
        for (int p = 0; p < b->s_len; p++)
            acc += b->g[p] * h_at(b, n - p);
        b->full[n + b->n_half] = b->ds_mm * acc;
    }
    return EDX_OK;
}

/* Initiation correction at end-plate position m (see the file comment). */
static const double *init_cell(emg_rbin *b, int m)
{
    double **slot = &b->init[m + b->n_half];
    if (*slot)
        return *slot;
    double *v = malloc((size_t)b->s_len * sizeof *v);
    if (!v)
        return NULL;
    int S = b->s_len - 1;
    for (int k = 0; k <= S; k++) {
        double acc = 0;
        for (int p = k + 1; p <= S; p++)
            acc += b->g[p] * h_at(b, m + k - p);
        v[k] = -b->ds_mm * acc - b->fp[k] * h_at(b, m);
    }
    return *slot = v;
}

/* Termination correction at fibre-end position e. */
static const double *term_cell(emg_rbin *b, int e)
{
    double **slot = &b->term[e + b->n_half];
    if (*slot)
        return *slot;
    double *v = malloc((size_t)b->s_len * sizeof *v);
    if (!v)
        return NULL;
    int S = b->s_len - 1;
    for (int k = 0; k <= S; k++) {
        double acc = 0;
        for (int i = 1; i <= k; i++)
            acc += b->g[k - i] * h_at(b, e + i);
        v[k] = k ? -b->ds_mm * acc + b->fp[k - 1] * h_at(b, e) : 0.0;
    }
    return *slot = v;
}

/* Adds one half fibre (end plate at m, length j_len) into t[0..). */
static int add_half(emg_rbin *b, int m, int j_len, double *t)
{
    if (j_len <= 0)
        return EDX_OK;
    const double *ic = init_cell(b, m);
    const double *tc = term_cell(b, m + j_len);
    if (!ic || !tc)
        return EDX_ERR_NOMEM;
    int S = b->s_len - 1;
    const double *full = b->full + b->n_half + m;
    for (int k = 0; k <= j_len + S; k++)
        t[k] += full[k];
    for (int k = 0; k <= S; k++)
        t[k] += ic[k];
    for (int k = 1; k <= S; k++)
        t[j_len + k] += tc[k];
    return EDX_OK;
}

double emg_sfap_span_ms(const emg_fibre *f)
{
    double len = f->len_pos_mm > f->len_neg_mm ? f->len_pos_mm : f->len_neg_mm;
    return (len + AP_SPAN_MM + 0.5) / f->cv_m_s;
}

/* Grid length of a half fibre from m. The fibre end is snapped to a
 * END_SNAP_MM grid, so that the termination corrections of many fibres are
 * shared: ends lie far from the needle, where 0.25 mm does not show [E]. */
#define END_SNAP_MM 0.5

static int clamp_len(const emg_rbin *b, int m, double len_mm)
{
    if (len_mm <= 0)
        return 0;
    int q = (int)floor(END_SNAP_MM / b->ds_mm + 0.5);
    q = q < 1 ? 1 : q;
    double e = floor((m * b->ds_mm + len_mm) / (q * b->ds_mm) + 0.5) * q;
    int j = (int)e - m;
    int room = b->n_half - (m < 0 ? -m : m) - b->s_len - 1;
    return j > room ? (room > 0 ? room : 0) : j < 1 ? 1 : j;
}

int emg_sfap_add(emg_sfap_cache *c, const emg_fibre *f, double gain, double *buf, size_t n,
                 double dt_os_ms, double **scratch, size_t *scratch_cap)
{
    int bi = bin_of(f->r_mm);
    emg_rbin *b = &c->bin[bi];
    int rc = rbin_ready(b, bi);
    if (rc)
        return rc;
    int lim = b->n_half - 2 * b->s_len;
    int m = (int)floor(f->ep_mm / b->ds_mm + 0.5);
    m = m > lim ? lim : m < -lim ? -lim : m;
    int jp = clamp_len(b, m, f->len_pos_mm), jn = clamp_len(b, -m, f->len_neg_mm);
    size_t tlen = (size_t)((jp > jn ? jp : jn) + b->s_len + 1);
    if (tlen > *scratch_cap) {
        double *nb = realloc(*scratch, tlen * sizeof *nb);
        if (!nb)
            return EDX_ERR_NOMEM;
        *scratch = nb;
        *scratch_cap = tlen;
    }
    double *t = *scratch;
    memset(t, 0, tlen * sizeof *t);
    if ((rc = add_half(b, m, jp, t)) || (rc = add_half(b, -m, jn, t)))
        return rc;

    /* mV -> uV; a in mm */
    double a_mm = f->diam_um * 0.5e-3;
    double scale = gain * 1000.0 * a_mm * a_mm * SIGMA_I_S_M / (4.0 * SIGMA_R_S_M);
    double step = f->cv_m_s * dt_os_ms / b->ds_mm; /* x grid samples per os sample */
    double j0 = ceil(f->delay_ms / dt_os_ms);
    if (j0 < 0)
        j0 = 0;
    double kf = (j0 * dt_os_ms - f->delay_ms) * f->cv_m_s / b->ds_mm;
    for (size_t j = (size_t)j0; j < n; j++, kf += step) {
        size_t k = (size_t)kf;
        if (k + 1 >= tlen)
            break;
        double fr = kf - (double)k;
        buf[j] += scale * (t[k] + fr * (t[k + 1] - t[k]));
    }
    return EDX_OK;
}

/* ---- low-pass: amplifier high-frequency filter and decimation guard ---- */

void emg_lowpass_init(emg_lowpass *lp, double fs_os_hz, double cutoff_hz)
{
    /* Fourth-order Butterworth as two biquads (Q of the pole pairs), bilinear
     * transform with prewarping (RBJ audio EQ cookbook formulas). */
    static const double q[2] = {0.54119610, 1.30656296};
    double w0 = 2.0 * SIM_PI * cutoff_hz / fs_os_hz;
    for (int s = 0; s < 2; s++) {
        double alpha = sin(w0) / (2.0 * q[s]), cw = cos(w0);
        double a0 = 1.0 + alpha;
        lp->b[s][0] = (1.0 - cw) / 2.0 / a0;
        lp->b[s][1] = (1.0 - cw) / a0;
        lp->b[s][2] = (1.0 - cw) / 2.0 / a0;
        lp->a[s][0] = 1.0;
        lp->a[s][1] = -2.0 * cw / a0;
        lp->a[s][2] = (1.0 - alpha) / a0;
    }
    lp->pad = (size_t)ceil(6.0 * fs_os_hz / cutoff_hz) + 4;
}

static void biquad_run(const double *b, const double *a, double *x, size_t n, int dir)
{
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = dir > 0 ? i : n - 1 - i;
        double in = x[j];
        double y = b[0] * in + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2;
        x2 = x1;
        x1 = in;
        y2 = y1;
        y1 = y;
        x[j] = y;
    }
}

void emg_lowpass_apply(const emg_lowpass *lp, double *x, size_t n)
{
    for (int dir = 1; dir >= -1; dir -= 2)
        for (int s = 0; s < 2; s++)
            biquad_run(lp->b[s], lp->a[s], x, n, dir);
}

void emg_wave_free(emg_wave *w)
{
    free(w->v);
    w->v = NULL;
    w->len = 0;
}

/* Drops the leading and trailing samples below 1e-4 of the peak. */
static void trim(emg_wave *w)
{
    double peak = 0;
    for (size_t i = 0; i < w->len; i++)
        peak = fmax(peak, fabs(w->v[i]));
    double thr = 1e-4 * peak;
    size_t a = 0, z = w->len;
    while (a < z && fabs(w->v[a]) <= thr)
        a++;
    while (z > a && fabs(w->v[z - 1]) <= thr)
        z--;
    if (a > 0 && z > a)
        memmove(w->v, w->v + a, (z - a) * sizeof *w->v);
    w->off += (int64_t)a;
    w->len = z > a ? z - a : 0;
}

/* Potentials of fibres at least COARSE_R_MM away (and of every reference
 * point) are smooth: they are built on a grid COARSE times coarser and
 * interpolated, which makes a unit's many distant fibres cheap [E]. */
#define COARSE 4
#define COARSE_R_MM 0.8

static int add_fibre(emg_ctx *c, emg_fibre *fi, double g, double *fine, size_t len,
                     double *coarse, size_t clen)
{
    bool far = fi->r_mm >= COARSE_R_MM;
    int rc = emg_sfap_add(&c->sfap, fi, g, far ? coarse : fine, far ? clen : len,
                          far ? c->dt_os_ms * COARSE : c->dt_os_ms, &c->xbuf, &c->xcap);
    if (!rc && fi->r_ref_mm > 0) {
        double r_core = fi->r_mm;
        fi->r_mm = fmax(fi->r_ref_mm, COARSE_R_MM);
        rc = emg_sfap_add(&c->sfap, fi, -g, coarse, clen, c->dt_os_ms * COARSE, &c->xbuf,
                          &c->xcap);
        fi->r_mm = r_core;
    }
    return rc;
}

int emg_wave_from_fibres(emg_ctx *c, const emg_fibre *f, size_t nf, const double *gain,
                         emg_wave *w)
{
    memset(w, 0, sizeof *w);
    if (nf == 0)
        return EDX_OK;
    double t_lo = f[0].delay_ms, t_hi = f[0].delay_ms;
    for (size_t i = 0; i < nf; i++) {
        t_lo = fmin(t_lo, f[i].delay_ms);
        t_hi = fmax(t_hi, f[i].delay_ms + emg_sfap_span_ms(&f[i]));
    }
    int64_t pad = (int64_t)c->lp.pad;
    int64_t start = (int64_t)floor(t_lo / c->dt_os_ms) - pad;
    size_t len = (size_t)((int64_t)ceil(t_hi / c->dt_os_ms) - start + pad);
    size_t clen = len / COARSE + 2;
    w->v = calloc(len, sizeof *w->v);
    double *coarse = calloc(clen, sizeof *coarse);
    if (!w->v || !coarse) {
        free(coarse);
        emg_wave_free(w);
        return EDX_ERR_NOMEM;
    }
    w->len = len;
    w->off = start;
    double t0_ms = (double)start * c->dt_os_ms;
    int rc = EDX_OK;
    for (size_t i = 0; i < nf && !rc; i++) {
        emg_fibre fi = f[i];
        fi.delay_ms -= t0_ms;
        rc = add_fibre(c, &fi, gain ? gain[i] : 1.0, w->v, len, coarse, clen);
    }
    for (size_t j = 0; j < len && !rc; j++) {
        size_t k = j / COARSE;
        double fr = (double)(j % COARSE) / COARSE;
        w->v[j] += coarse[k] + fr * (coarse[k + 1] - coarse[k]);
    }
    free(coarse);
    if (rc) {
        emg_wave_free(w);
        return rc;
    }
    emg_lowpass_apply(&c->lp, w->v, w->len);
    trim(w);
    return EDX_OK;
}

double emg_wave_pp_uv(const emg_wave *w)
{
    double lo = 0, hi = 0;
    for (size_t i = 0; i < w->len; i++) {
        lo = fmin(lo, w->v[i]);
        hi = fmax(hi, w->v[i]);
    }
    return hi - lo;
}
