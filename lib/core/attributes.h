/* Compiler attributes the core headers share (a leaf: includes nothing,
 * so error.h and strbuf.h need not include each other). */
#ifndef MLOPS_CORE_ATTRIBUTES_H
#define MLOPS_CORE_ATTRIBUTES_H

#define MLOPS_PRINTF(a, b) __attribute__((format(printf, a, b)))

#endif
