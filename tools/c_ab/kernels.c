/* One copy of the kernel loops of tools/c_ab/kernels.h, built against the headers given as
 * -DHEADERS="dir/activations.h" with their names prefixed by -DPREFIX (see ab.sh). */
#include HEADERS
#define N 2000
extern float xf[N], of[N], gf[N];
extern double xd[N], od[N], gd[N];
static float pf[2] = {1, 20};
static double pd[2] = {1, 20};
static float p1f[1] = {1};
static double p1d[1] = {1};
#define CAT(a, b) CAT_(a, b)
#define CAT_(a, b) a##b
#define K32(name, expr) void CAT(PREFIX, name)(void) { for (int i = 0; i < N; i++) of[i] = expr; }
#define K64(name, expr) void CAT(PREFIX, name)(void) { for (int i = 0; i < N; i++) od[i] = expr; }
#include "kernels.h"
