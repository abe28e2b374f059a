/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lt-application.h"

G_BEGIN_DECLS

#define LT_TYPE_FIND_PEOPLE_DIALOG (lt_find_people_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LtFindPeopleDialog, lt_find_people_dialog, LT, FIND_PEOPLE_DIALOG,
                      AdwWindow)

LtFindPeopleDialog *lt_find_people_dialog_new (GtkWindow     *parent,
                                               LtApplication *application);

G_END_DECLS
