/* Integer logarithms that number.c's conversions need, as one multiply and
 * one shift. The constants are approximations: scripts/gen-number-tables.c
 * checks each against exact big-integer arithmetic over the range stated
 * and fails the build when one is off, so a wrong edit cannot slip by. */
#ifndef MLOPS_CORE_NUMBER_LOG_H
#define MLOPS_CORE_NUMBER_LOG_H

/* The arithmetic right shift of a negative number is implementation-
 * defined in C; GCC and Clang define it as floor division, which these
 * need (the generator's check would catch a compiler that does not). */

/* floor(log10(2^e)), -1200 <= e <= 1200 */
static inline int number_flog10_pow2(int e)
{
	return (e * 315653) >> 20;
}

/* floor(log10(3/4 * 2^e)), -1200 <= e <= 1200 */
static inline int number_flog10_three_quarters_pow2(int e)
{
	return (e * 315653 - 131237) >> 20;
}

/* floor(log2(10^e)), -400 <= e <= 400 */
static inline int number_flog2_pow10(int e)
{
	return (e * 1741647) >> 19;
}

#define NUMBER_LOG_RANGE2 1200
#define NUMBER_LOG_RANGE10 400

#endif
