/* crashsrv's requests (tests/target/crashsrv.c), shared with crashtest. */
#pragma once

#define CRASHSRV_PING 1    /* reply w0 = CRASHSRV_ALIVE */
#define CRASHSRV_ILLEGAL 2 /* the server executes an illegal instruction */
#define CRASHSRV_EXIT 3    /* the server calls SYS_EXIT(3) */
#define CRASHSRV_ALIVE 0x600d
