/*-------------------------------------------------------------------------
 *
 * alignment.h
 *	  Declarations shared by the C files of the alignment extension.
 *
 * src/alignment.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ALIGNMENT_H
#define ALIGNMENT_H

/* Values of the alignment.period setting */
typedef enum AlignmentPeriod
{
	ALIGNMENT_PERIOD_WEEK,
	ALIGNMENT_PERIOD_MONTH,
	ALIGNMENT_PERIOD_QUARTER,
	ALIGNMENT_PERIOD_YEAR
} AlignmentPeriod;

/* Settings, defined in guc.c */
extern int	alignment_period;
extern int	alignment_conversion_window_days;
extern char *alignment_business_timezone;
extern double alignment_persona_agreement_threshold;
extern double alignment_lifecycle_clarity_threshold;
extern int	alignment_min_sample;
extern int	alignment_persona_lookback_months;
extern char *alignment_as_of;
extern char *alignment_base_currency;

/* Raises an error while a setting rejected at library load stands (guc.c) */
extern void AlignmentCheckSettings(void);

#endif							/* ALIGNMENT_H */
