/*
 * eventstack.c — an event's stacks: one line per frame in text, a list
 * of frame objects in JSON (see event_stack() in event.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
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

/* JSON: one frame object. Every frame sockshim keeps is a return
 * address (its own frames, where the capture ran, are left out): "ret"
 * tells a symbolizer to look one byte before it, inside the call. */
static void json_frame(struct outbuf *ob, const struct frame_name *f,
                       uintptr_t ip) {
    ob_str(ob, "{\"ip\":\"");
    ob_hex(ob, ip);
    ob_str(ob, "\",\"module\":");
    ob_json_strn(ob, f->module, MODULE_NAME_MAX);
    if (f->module_id != 0) {
        ob_str(ob, ",\"module_id\":");
        ob_uint(ob, f->module_id);
    }
    ob_str(ob, ",\"offset\":\"");
    ob_hex(ob, f->module_offset);
    ob_str(ob, "\",\"ret\":true,\"func\":");
    if (f->func[0] != '\0') {
        ob_json_strn(ob, f->func, sizeof f->func);
        ob_str(ob, ",\"func_offset\":\"");
        ob_hex(ob, f->func_offset);
        ob_str(ob, "\"}");
    } else {
        ob_str(ob, "null}");
    }
}

/* Remember module ID for event_end()'s announcements. */
static void note_module(struct event *ev, unsigned id) {
    if (id == 0)
        return;
    for (int i = 0; i < ev->module_count; i++)
        if (ev->modules[i] == id)
            return;
    if (ev->module_count < EVENT_MODULES_MAX)
        ev->modules[ev->module_count++] = (uint16_t)id;
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
            note_module(ev, f.module_id);
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

/* The module events for the MODULES (N of them) named for the first
 * time: what a symbolizer on another machine needs of them. JSON only:
 * they are for programs (sockshim-report); written whatever the level,
 * since without them the frames of a JSON log name files by basename
 * alone. */
void event_announce_modules(const uint16_t *modules, int n) {
    for (int i = 0; i < n; i++) {
        struct module_info mi;
        struct event ev;
        if (!symbols_first_mention(modules[i]) ||
            !symbols_module(modules[i], &mi) ||
            !event_begin_asked(&ev, EV_MODULE, LEVEL_INFO, -1, NULL, 0))
            continue;
        event_int(&ev, "module_id", modules[i]);
        event_str(&ev, "path", mi.path);
        if (mi.build_id[0] != '\0')
            event_str(&ev, "build_id", mi.build_id);
        char base[24];
        struct outbuf ob;
        ob_init(&ob, base, sizeof base);
        ob_hex(&ob, mi.base);
        event_str(&ev, "base", base);
        event_int(&ev, "size", (long long)mi.size);
        event_end(&ev);
    }
}
