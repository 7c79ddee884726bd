// The sign-in form shared by the advice page and the console.

import { describeError, login } from "./api.js";
import { h, replace } from "./dom.js";

/** Render a sign-in form into `container`; resolves `onSignedIn` after a good login. */
export function renderLogin(container, { onSignedIn, message = "" }) {
  const error = h("p", { class: "error", role: "alert", id: "login-error" }, message);
  const username = h("input", {
    name: "username",
    id: "login-username",
    autocomplete: "username",
    required: true,
    maxlength: 64,
  });
  const password = h("input", {
    name: "password",
    id: "login-password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const button = h("button", { type: "submit", id: "login-submit" }, "Sign in");
  const form = h(
    "form",
    { class: "login", id: "login-form" },
    h("h2", {}, "Sign in"),
    h("label", { for: "login-username" }, "Username"),
    username,
    h("label", { for: "login-password" }, "Password"),
    password,
    button,
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    replace(error);
    try {
      await login(username.value.trim(), password.value);
      password.value = "";
      await onSignedIn();
    } catch (failure) {
      const wrong = failure.status === 401;
      replace(error, wrong ? `401 Sign-in refused: ${failure.detail}` : describeError(failure));
    } finally {
      button.disabled = false;
    }
  });
  replace(container, form);
  username.focus();
  return form;
}
