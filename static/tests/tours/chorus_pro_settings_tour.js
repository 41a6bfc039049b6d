import {registry} from "@web/core/registry";

// Settings › Chorus Pro: the administrator types the technical account's password and
// clicks Test connection once: the settings are saved and the test runs (no "save your
// changes?" dialog, no reload), its result shown in a notification.
registry.category("web_tour.tours").add("chorus_pro_settings_test_connection_tour", {
  steps: () => [
    {
      content: "Type the technical account's password",
      trigger: ".o_setting_box div[name=chorus_password] input",
      run: "edit Chorus-Sim-2026",
    },
    {
      content: "Test connection",
      trigger: "button[name=action_chorus_test_connection]",
      run: "click",
    },
    {
      content: "The test ran with the new password",
      trigger: ".o_notification:contains(Chorus Pro connection works)",
    },
    {
      content: "No dialog asked to save first",
      trigger: "body:not(:has(.modal))",
    },
    {
      content: "Saved",
      trigger: ".o-settings-form-view:not(:has(.o_dirty_warning))",
    },
  ],
});
