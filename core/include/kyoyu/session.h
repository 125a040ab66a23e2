/* SPDX-License-Identifier: MIT */
/* kyoyu — session states, roles and end reasons, as seen on the bus. */
#ifndef KYOYU_SESSION_H
#define KYOYU_SESSION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kyoyu_role {
	KYOYU_ROLE_SHARER = 1, /* the customer: captures and sends the screen */
	KYOYU_ROLE_VIEWER = 2, /* the operator: issues codes, receives video */
} kyoyu_role;

/* idle → connecting → awaiting consent → sharing ⇄ paused → ended(reason).
 * Any state may move to ENDED; ENDED is final. */
typedef enum kyoyu_state {
	KYOYU_STATE_IDLE = 0,
	KYOYU_STATE_CONNECTING = 1,
	KYOYU_STATE_AWAITING_CONSENT = 2,
	KYOYU_STATE_SHARING = 3,
	KYOYU_STATE_PAUSED = 4,
	KYOYU_STATE_ENDED = 5,
} kyoyu_state;

typedef enum kyoyu_end_reason {
	KYOYU_END_NONE = 0,
	KYOYU_END_LEFT = 1,             /* the customer left */
	KYOYU_END_OPERATOR = 2,         /* the operator ended it */
	KYOYU_END_TIME_CAP = 3,         /* the session reached its time cap */
	KYOYU_END_IDLE = 4,             /* nothing happened for too long */
	KYOYU_END_CONSENT_DECLINED = 5, /* the customer declined recording */
	KYOYU_END_LINK_LOST = 6,        /* the peer did not come back in time */
	KYOYU_END_REJECTED = 7,         /* the code was refused */
	KYOYU_END_ERROR = 8,            /* a stage failed */
} kyoyu_end_reason;

/* Lower-case names ("awaiting consent", "time cap"), never NULL. */
const char *kyoyu_state_name(uint32_t state);
const char *kyoyu_end_reason_name(uint32_t reason);

#ifdef __cplusplus
}
#endif

#endif
