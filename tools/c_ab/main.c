/* Times each kernel of kernels.h built twice (A_: old headers, B_: new), alternating A and B
 * 400 times and keeping each one's best: both see the same machine state, which on these VMs
 * drifts by 20 % between processes. Cycles assume 3 GHz (measured on the dev VM). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define N 2000
float xf[N], of[N], gf[N];
double xd[N], od[N], gd[N];
#define K32(name, expr) void A_##name(void); void B_##name(void);
#define K64 K32
#include "kernels.h"
#undef K32
#undef K64
typedef void (*fn)(void);
static const struct { const char *name; fn a, b; int width; } kernels[] = {
#define K32(name, expr) {#name, A_##name, B_##name, 8},
#define K64(name, expr) {#name, A_##name, B_##name, 4},
#include "kernels.h"
};
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : 20;   /* x uniform on [-scale/2, scale/2] */
    srand(1);
    for (int i = 0; i < N; i++) { xf[i] = ((rand() / (double)RAND_MAX) - 0.5) * scale; xd[i] = xf[i]; gf[i] = gd[i] = 1; }
    for (unsigned j = 0; j < sizeof kernels / sizeof kernels[0]; j++) {
        double best_a = 1e9, best_b = 1e9;
        for (int r = 0; r < 400; r++) {
            double t = now(); kernels[j].a(); t = now() - t; if (t < best_a) best_a = t;
            t = now(); kernels[j].b(); t = now() - t; if (t < best_b) best_b = t;
        }
        printf("%-8s old %6.1f new %6.1f cycles per vector  new/old %.3f\n", kernels[j].name,
               best_a / N * 3e9 * kernels[j].width, best_b / N * 3e9 * kernels[j].width, best_b / best_a);
    }
    return 0;
}
