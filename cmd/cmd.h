/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One entry function per subcommand; each returns the process exit code. */
#ifndef CVMIMG_CMD_H
#define CVMIMG_CMD_H

int cmd_broker(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_eventlog(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_secret(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_uki(int argc, char **argv);
int cmd_verify_report(int argc, char **argv);
int cmd_verity(int argc, char **argv);

#endif
