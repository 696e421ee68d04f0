/**
 * @file colors.h
 * Colour roles of the dashboard. Text decisions (ui/rows.c) name a role; ui/colors.c maps
 * each role to a colour pair, or to A_BOLD/A_REVERSE/A_DIM when the terminal has no colours
 * or colours are off (--no-color, NO_COLOR). This header does not include curses, so pure
 * code and tests can use the roles.
 * Threads: UI thread only.
 */
#ifndef PT_COLORS_H
#define PT_COLORS_H

#include <stdbool.h>

/** Number of distinct colours for answer groups (groups beyond it reuse them). */
#define PT_COLOR_NGROUPS 8

/** What a piece of text means; painted by role, never by a fixed colour. */
enum pt_color {
	PT_COLOR_NORMAL = 0, /**< plain text */
	PT_COLOR_HEADER,     /**< header lines and column titles */
	PT_COLOR_AGREE,	     /**< matches the truth */
	PT_COLOR_DIVERGE,    /**< differs from the truth (stands out) */
	PT_COLOR_ERROR,	     /**< failures: SERVFAIL, timeout, refused, errors */
	PT_COLOR_PENDING,    /**< no reply yet */
	PT_COLOR_BANNER,     /**< the CONVERGED banner */
	PT_COLOR_STATUSBAR,  /**< the status line at the bottom */
	PT_COLOR_GROUP0,     /**< answer group A (the truth); B.. follow */
	PT_COLOR_COUNT = PT_COLOR_GROUP0 + PT_COLOR_NGROUPS /**< number of roles */
};

/**
 * Set up colour pairs for every role. Call after initscr().
 * @param enable false with --no-color / NO_COLOR: attributes only
 */
void pt_colors_init(bool enable);

/** True when roles are painted in colour (enabled and the terminal has colours). */
bool pt_colors_active(void);

/** Curses attributes (an attr_t value) that paint @p role. */
unsigned long pt_colors_attr(enum pt_color role);

#endif /* PT_COLORS_H */
