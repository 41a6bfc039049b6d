import {rpc} from "@web/core/network/rpc";
import {registry} from "@web/core/registry";

const MODEL = "chorus.pro.deposit.job";

function callKw(method, args) {
  return rpc(`/web/dataset/call_kw/${MODEL}/${method}`, {
    model: MODEL,
    method,
    args,
    kwargs: {},
  });
}

// A background deposit is running (4 of 10 invoices sent): its form shows the progress,
// and the bar moves when the cron sends more, without reloading the page.
registry.category("web_tour.tours").add("chorus_pro_deposit_job_tour", {
  steps: () => [
    {
      content: "The running deposit shows its progress",
      trigger: ".o_field_chorus_pro_live_progressbar .o_progressbar_value:contains(40)",
    },
    {
      content: "The cron sends four more invoices (server side)",
      trigger: ".o_form_view .o_field_chorus_pro_live_progressbar",
      run: async () => {
        const jobId = parseInt(window.location.pathname.split("/").pop());
        const [job] = await callKw("read", [[jobId], ["move_ids"]]);
        await callKw("write", [[jobId], {processed_move_ids: [[6, 0, job.move_ids.slice(0, 8)]]}]);
      },
    },
    {
      content: "The bar moves by itself",
      trigger: ".o_field_chorus_pro_live_progressbar .o_progressbar_value:contains(80)",
      timeout: 15000,
    },
  ],
});
