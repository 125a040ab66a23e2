/* SPDX-License-Identifier: MIT */
/* The number of processors online, for plugins that size their thread
 * pools (codec/vpx, codec/x264): the one difference between systems
 * they have. */
#ifndef KYOYU_PLUGIN_CPU_COUNT_H
#define KYOYU_PLUGIN_CPU_COUNT_H

#ifdef _WIN32
#include <windows.h>

static inline long kyoyu_plugin_cpu_count(void)
{
	return (long)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
}
#else
#include <unistd.h>

static inline long kyoyu_plugin_cpu_count(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}
#endif

#endif
