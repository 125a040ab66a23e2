/* SPDX-License-Identifier: MIT */
/* Human-readable names of the enums on the bus, for logs and status. */
#include "config.h"

#include <kyoyu/bus.h>
#include <kyoyu/plugin.h>
#include <kyoyu/session.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const char *const *names, size_t n, uint32_t i,
			  const char *fallback)
{
	return i < n && names[i] ? names[i] : fallback;
}

const char *kyoyu_state_name(uint32_t state)
{
	static const char *const names[] = {
		[KYOYU_STATE_IDLE] = "idle",
		[KYOYU_STATE_CONNECTING] = "connecting",
		[KYOYU_STATE_AWAITING_CONSENT] = "awaiting consent",
		[KYOYU_STATE_SHARING] = "sharing",
		[KYOYU_STATE_PAUSED] = "paused",
		[KYOYU_STATE_ENDED] = "ended",
	};
	return lookup(names, COUNT(names), state, "unknown");
}

const char *kyoyu_end_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KYOYU_END_NONE] = "none",
		[KYOYU_END_LEFT] = "left",
		[KYOYU_END_OPERATOR] = "ended by operator",
		[KYOYU_END_TIME_CAP] = "time cap",
		[KYOYU_END_IDLE] = "idle timeout",
		[KYOYU_END_CONSENT_DECLINED] = "consent declined",
		[KYOYU_END_LINK_LOST] = "link lost",
		[KYOYU_END_REJECTED] = "rejected",
		[KYOYU_END_ERROR] = "error",
	};
	return lookup(names, COUNT(names), reason, "unknown");
}

const char *kyoyu_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		[KYOYU_KIND_CAPTURE] = "capture",
		[KYOYU_KIND_CODEC] = "codec",
		[KYOYU_KIND_TRANSPORT] = "transport",
		[KYOYU_KIND_POLICY] = "policy",
		[KYOYU_KIND_UI] = "ui",
	};
	return lookup(names, COUNT(names), kind, NULL);
}

const char *kyoyu_msg_type_name(uint32_t type)
{
	static const char *const names[] = {
		[KYOYU_MSG_FRAME] = "frame",
		[KYOYU_MSG_PACKET] = "packet",
		[KYOYU_MSG_CURSOR] = "cursor",
		[KYOYU_MSG_POINTER] = "pointer",
		[KYOYU_MSG_PAUSE] = "pause",
		[KYOYU_MSG_RESUME] = "resume",
		[KYOYU_MSG_KEYFRAME_REQUEST] = "keyframe-request",
		[KYOYU_MSG_BITRATE] = "bitrate",
		[KYOYU_MSG_FRAMERATE] = "framerate",
		[KYOYU_MSG_END] = "end",
		[KYOYU_MSG_STATE] = "state",
		[KYOYU_MSG_PEER] = "peer",
		[KYOYU_MSG_CONSENT] = "consent",
		[KYOYU_MSG_CODE] = "code",
		[KYOYU_MSG_STATS] = "stats",
		[KYOYU_MSG_NOTICE] = "notice",
		[KYOYU_MSG_ERROR] = "error",
		[KYOYU_MSG_VIDEO_SIZE] = "video-size",
		[KYOYU_MSG_LIMITS] = "limits",
	};
	return lookup(names, COUNT(names), type, "unknown");
}
