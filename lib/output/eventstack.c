/*
 * eventstack.c — an event's stacks: one line per frame in text, a list
 * of frame objects in JSON (see event_stack() in event.h).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/event.h"

#include "output/stack.h"
#include "output/symbols.h"

/* Room one frame line may take at most: "    #63 0x" + 16 hex digits +
 * " " + function (191) + "+0x" + 16 + " (" + module (bounded to 96) + ")"
 * in text; a little more in JSON. */
#define FRAME_ROOM_MAX 400
#define MODULE_NAME_MAX 96

/* Text: one frame line. */
static void text_frame(struct outbuf *ob, int index, const struct frame_name *f,
                       uintptr_t ip) {
    ob_str(ob, "\n    #");
    ob_int(ob, index);
    ob_char(ob, ' ');
    ob_hex(ob, ip);
    ob_char(ob, ' ');
    if (f->func[0] != '\0') {
        ob_escaped(ob, f->func, sizeof f->func);
        ob_char(ob, '+');
        ob_hex(ob, f->func_offset);
    } else {
        ob_str(ob, "??");
    }
    ob_str(ob, " (");
    ob_escaped(ob, f->module, MODULE_NAME_MAX);
    ob_char(ob, ')');
}

/* JSON: one frame object. */
static void json_frame(struct outbuf *ob, const struct frame_name *f,
                       uintptr_t ip) {
    ob_str(ob, "{\"ip\":\"");
    ob_hex(ob, ip);
    ob_str(ob, "\",\"module\":");
    ob_json_strn(ob, f->module, MODULE_NAME_MAX);
    ob_str(ob, ",\"offset\":\"");
    ob_hex(ob, f->module_offset);
    ob_str(ob, "\",\"func\":");
    if (f->func[0] != '\0') {
        ob_json_strn(ob, f->func, sizeof f->func);
        ob_str(ob, ",\"func_offset\":\"");
        ob_hex(ob, f->func_offset);
        ob_str(ob, "\"}");
    } else {
        ob_str(ob, "null}");
    }
}

void event_stack(struct event *ev, const char *key, const char *label,
                 uint32_t id) {
    const uintptr_t *ips;
    int n = stack_frames(id, &ips);
    if (n == 0)
        return;
    struct outbuf *ob = &ev->ob;
    if (ev->json) {
        event_json_key(ev, key);
        ob_char(ob, '[');
    } else {
        ob_str(ob, "\n    ");
        ob_str(ob, label);
        ob_char(ob, ':');
    }
    int shown = 0;
    for (; shown < n && ob->cap - ob->len > FRAME_ROOM_MAX; shown++) {
        struct frame_name f;
        symbols_name(ips[shown], &f);
        if (ev->json) {
            if (shown > 0)
                ob_char(ob, ',');
            json_frame(ob, &f, ips[shown]);
        } else {
            text_frame(ob, shown, &f, ips[shown]);
        }
    }
    if (ev->json) {
        ob_char(ob, ']');
        if (shown < n) {
            char truncated_key[64];
            struct outbuf k;
            ob_init(&k, truncated_key, sizeof truncated_key);
            ob_str(&k, key);
            ob_str(&k, "_truncated");
            event_int(ev, truncated_key, n - shown);
        }
    } else if (shown < n) {
        ob_str(ob, "\n    ... ");
        ob_int(ob, n - shown);
        ob_str(ob, " more frames");
    }
}
