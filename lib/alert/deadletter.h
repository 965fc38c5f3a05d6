/* The dead-letter file of undelivered alerts (format in sink.h). */
#ifndef MLOPS_ALERT_DEADLETTER_H
#define MLOPS_ALERT_DEADLETTER_H

#include <jansson.h>

/* Appends record as one JSON line (creating the file 0600 and its
 * directory 0700). 0, or EIO. */
int dead_letter_append(const char *path, const json_t *record);

/* The dead-letter file when mlops.yaml names none:
 * $XDG_STATE_HOME/mlops/alerts-dead-letter.jsonl (malloc'd). */
char *alert_default_dead_letter(void);

#endif
