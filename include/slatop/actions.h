/* actions: the ONE table of console actions (SPEC §4). Each row: enum suffix, the name used in
 * the config's "keys" object, the default keys (space-separated key names, see keymap.h), and the
 * help text. The enum, the help screen and the key remapping are all generated from it (tig's
 * request.h does the same), so a new action is one line here plus its handler. */
#ifndef SLATOP_ACTIONS_H
#define SLATOP_ACTIONS_H

#define ST_ACTIONS(X)                                                                                        \
    X(DOWN, "down", "j Down", "move down")                                                                   \
    X(UP, "up", "k Up", "move up")                                                                           \
    X(PAGE_DOWN, "page-down", "PgDn C-f", "move one page down")                                              \
    X(PAGE_UP, "page-up", "PgUp C-b", "move one page up")                                                    \
    X(FIRST, "first", "g Home", "go to the first line")                                                      \
    X(LAST, "last", "G End", "go to the last line")                                                          \
    X(OPEN, "open", "Enter", "open: ticket detail; in the audit log, only that ticket")                      \
    X(RAISE, "raise", "+", "raise the selected ticket one level (reason, preview, confirm)")                 \
    X(LOWER, "lower", "-", "lower the selected ticket one level (reason, preview, confirm)")                 \
    X(TRIAGE, "triage", "t", "triage checklist: tick criteria, apply the proposed level")                    \
    X(TOGGLE, "toggle", "Space x", "triage: tick or untick the criterion")                                   \
    X(RESPOND, "respond", "r", "record the first response (confirm with y)")                                 \
    X(ASSIGN, "assign", "A", "assign the selected ticket (prompt for a name)")                               \
    X(REPLY, "reply", "e", "reply to the customer, written in $VISUAL or $EDITOR")                           \
    X(NOTE, "note", "n", "add an internal note, written in $VISUAL or $EDITOR")                              \
    X(SET_PENDING, "pending", "p", "set pending: waiting on the customer (reason required)")                 \
    X(SET_ON_HOLD, "on-hold", "h", "set on hold: waiting on a third party (reason required)")                \
    X(SET_OPEN, "set-open", "o", "set open: waiting on the support team again")                              \
    X(RESOLVE, "resolve", "X", "resolve the ticket (confirm with y)")                                        \
    X(REOPEN, "reopen", "O", "reopen a resolved ticket (reason required)")                                   \
    X(SEARCH, "search", "/", "search: id, title, customer, assignee, ref, level or message text")            \
    X(FILTER, "filter", "f", "filter by level, state, all or resolved")                                                     \
    X(SORT, "sort", "s", "cycle the sort key: urgency, level, created, customer")                            \
    X(AUDIT, "audit", "a", "audit log: all entries, or the ticket's from its detail view")                   \
    X(DASHBOARD, "dashboard", "d", "dashboard panel on/off")                                                 \
    X(RELOAD, "reload", "R", "reload now")                                                                   \
    X(COMMAND, "command", ":", "command: :ticket ID, :level L, :filter TEXT, :report [YYYY-MM], :q")                            \
    X(HELP, "help", "? F1", "this help")                                                                     \
    X(BACK, "back", "Esc", "back; cancel; clear the filter")                                                 \
    X(QUIT, "quit", "q", "back; from the list, quit")

typedef enum {
    ACT_NONE = 0,
#define ST_ACTION_ENUM(id, name, keys, help) ACT_##id,
    ST_ACTIONS(ST_ACTION_ENUM)
#undef ST_ACTION_ENUM
        ACT_COUNT
} st_action;

#endif
