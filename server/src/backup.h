/*
 * backup.h - `narad backup`: an online, verified copy of a live replica
 * (backup.c).  docs/operations.md describes backup and restore.
 */
#ifndef NARAD_BACKUP_H
#define NARAD_BACKUP_H

extern const char narad__backup_usage[];

/* `narad backup ARGS...` (argv after the command name).  Returns the exit
 * code: 0 the copy is complete and verified, 1 it could not be made or did
 * not verify (nothing is left at --out), 2 bad command line. */
int narad__backup_cmd(int argc, char **argv);

#endif /* NARAD_BACKUP_H */
