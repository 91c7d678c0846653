/* floor_timers: the floor the idle benchmarks compare slatop with: a minimal ncurses program
 * updating 38 HH:MM:SS countdowns once a second, letting ncurses send only the changed cells.
 * It is what "a countdown console" costs with plain ncurses and no care beyond that.
 *   floor_timers [--frames N]     (N screen updates, then exit; default: run until killed)
 */
#define _POSIX_C_SOURCE 200809L
#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    long frames = -1;
    if (argc == 3 && strcmp(argv[1], "--frames") == 0)
        frames = atol(argv[2]);
    setlocale(LC_ALL, "");
    initscr();
    cbreak();
    noecho();
    curs_set(0);
    /* The second from the same clock the sleep below is computed with: time() reads a coarse
     * clock that can still say the old second just after the boundary, and the frame then
     * redrew nothing and the program slept a whole second (one tick in ten went missing from a
     * 10 s measurement now and then). */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t start = ts.tv_sec;
    for (long f = 0; frames < 0 || f < frames; f++) {
        clock_gettime(CLOCK_REALTIME, &ts);
        time_t now = ts.tv_sec;
        for (int i = 0; i < 38; i++) {
            long left = 4 * 3600 + i * 611 - (long)(now - start);
            mvprintw(i + 1, 2, "ticket %2d  %02ld:%02ld:%02ld", i + 1, left / 3600, left / 60 % 60, left % 60);
        }
        refresh();
        if (frames >= 0 && f + 1 >= frames)
            break;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct timespec nap = {0, 1000000000L - ts.tv_nsec};
        nanosleep(&nap, NULL);
    }
    endwin();
    return 0;
}
