import {browser} from "@web/core/browser/browser";
import {registry} from "@web/core/registry";
import {ProgressBarField, progressBarField} from "@web/views/fields/progress_bar/progress_bar_field";

import {onMounted, onWillUnmount} from "@odoo/owl";

// States of a background deposit that still move.
const RUNNING_STATES = ["queued", "running"];
const REFRESH_DELAY = 2000;

/**
 * Odoo's progress bar, reloading its record every two seconds while the background
 * deposit is queued or running: the bar moves without reloading the page.
 */
export class LiveProgressBarField extends ProgressBarField {
  setup() {
    super.setup();
    this.reloading = false;
    onMounted(() => {
      this.interval = browser.setInterval(() => this.refresh(), REFRESH_DELAY);
    });
    onWillUnmount(() => browser.clearInterval(this.interval));
  }

  async refresh() {
    const record = this.props.record;
    if (this.reloading || record.dirty || !RUNNING_STATES.includes(record.data.state)) {
      return;
    }
    this.reloading = true;
    try {
      await record.load();
    } finally {
      this.reloading = false;
    }
  }
}

registry.category("fields").add("chorus_pro_live_progressbar", {
  ...progressBarField,
  component: LiveProgressBarField,
});
