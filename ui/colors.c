#include "colors.h"

#include <curses.h>

/** Colour scheme per role: foreground, background (-1 = terminal default), extra attributes. */
struct scheme {
	short fg;
	short bg;
	attr_t attr;
	attr_t mono;
};

static const struct scheme schemes[PT_COLOR_COUNT] = {
	[PT_COLOR_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[PT_COLOR_HEADER] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[PT_COLOR_AGREE] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[PT_COLOR_DIVERGE] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[PT_COLOR_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[PT_COLOR_PENDING] = { COLOR_BLUE, -1, A_NORMAL, A_DIM },
	[PT_COLOR_BANNER] = { COLOR_BLACK, COLOR_GREEN, A_BOLD, A_REVERSE | A_BOLD },
	[PT_COLOR_STATUSBAR] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE },
	/* group letters are painted reversed so each answer set is a coloured block */
	[PT_COLOR_GROUP0 + 0] = { COLOR_GREEN, -1, A_REVERSE | A_BOLD, A_NORMAL },
	[PT_COLOR_GROUP0 + 1] = { COLOR_YELLOW, -1, A_REVERSE | A_BOLD, A_REVERSE },
	[PT_COLOR_GROUP0 + 2] = { COLOR_MAGENTA, -1, A_REVERSE | A_BOLD, A_REVERSE },
	[PT_COLOR_GROUP0 + 3] = { COLOR_CYAN, -1, A_REVERSE | A_BOLD, A_REVERSE },
	[PT_COLOR_GROUP0 + 4] = { COLOR_BLUE, -1, A_REVERSE | A_BOLD, A_REVERSE },
	[PT_COLOR_GROUP0 + 5] = { COLOR_RED, -1, A_REVERSE | A_BOLD, A_REVERSE },
	[PT_COLOR_GROUP0 + 6] = { COLOR_WHITE, -1, A_REVERSE | A_BOLD, A_REVERSE },
	[PT_COLOR_GROUP0 + 7] = { COLOR_MAGENTA, -1, A_BOLD, A_REVERSE },
};

static bool active;
static attr_t attrs[PT_COLOR_COUNT];

void pt_colors_init(bool enable)
{
	int i;

	active = enable && has_colors() && start_color() == OK;
	if (active && use_default_colors() != OK) {
		assume_default_colors(COLOR_WHITE, COLOR_BLACK);
	}
	for (i = 0; i < PT_COLOR_COUNT; i++) {
		const struct scheme *sc = &schemes[i];

		if (!active) {
			attrs[i] = sc->mono;
			continue;
		}
		if (i == PT_COLOR_NORMAL) {
			attrs[i] = A_NORMAL;
			continue;
		}
		/* pair 0 is reserved by curses: role i uses pair i */
		if (i >= COLOR_PAIRS || init_pair((short)i, sc->fg, sc->bg) != OK) {
			attrs[i] = sc->mono;
			continue;
		}
		attrs[i] = COLOR_PAIR(i) | sc->attr;
	}
}

bool pt_colors_active(void)
{
	return active;
}

unsigned long pt_colors_attr(enum pt_color role)
{
	if ((int)role < 0 || role >= PT_COLOR_COUNT) {
		return A_NORMAL;
	}
	return attrs[role];
}
